"""The signed link that opens a member's personal page (see members.tokens).

The link is the only key, so every response keeps it from leaking: no
Referer to other sites, no caching, no indexing. A bad or revoked link gets
a 404 page that says how to get a new one, whatever was wrong with it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from members.tokens import member_from_token

INVALID_LINK_TEMPLATE = "personal/invalid_link.html"


def keep_private(response: HttpResponse) -> HttpResponse:
    """Headers that keep the link out of other sites, caches and search engines."""
    # same-origin, not no-referrer: the token never leaves for another site,
    # but the browser still sends a real Origin header on our own forms (with
    # no-referrer it sends "Origin: null" and Django's CSRF check refuses it).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)  # Cache-Control: ... no-store ...
    return response


def invalid_link(request: HttpRequest) -> HttpResponse:
    """The one 404 page for a link (or an object behind it) that does not work."""
    return render(request, INVALID_LINK_TEMPLATE, status=404)


def personal_page(view):
    """Resolve the token to a member, in the member's language, or show the
    invalid-link page. The view gets ``member`` and ``token`` as keywords."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        member = member_from_token(token=token)
        if member is None:
            return keep_private(invalid_link(request))
        # A language the visitor picked in the menu wins over the stored one.
        language = request.LANGUAGE_CODE
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = member.language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, member=member, token=token, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return keep_private(response)

    return wrapper
