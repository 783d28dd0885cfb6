"""Bounds for machine endpoints (providers' webhooks): a request whose body
is larger than the endpoint can use is refused before anything reads it.

Django reads a request body only up to its Content-Length (a request without
one, e.g. chunked, has an empty body for Django), so checking the declared
length bounds every later read of ``request.body`` or ``request.POST``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

__all__ = ["body_limited"]


def body_limited(max_bytes: int) -> Callable[[Callable], Callable]:
    """Decorate a view: 413 for a declared body over ``max_bytes``, 400 for
    a Content-Length that is no number; the view is not called then."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            declared = request.META.get("CONTENT_LENGTH") or "0"
            if not declared.isascii() or not declared.isdigit():
                return HttpResponseBadRequest()
            if int(declared) > max_bytes:
                return HttpResponse(status=413)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
