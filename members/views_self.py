"""A member's personal page, reached through their signed link (no account).

The link is the only key, so every response keeps it from leaking: no
Referer to other sites, no caching, no indexing. A bad or revoked link gets
a 404 page that says how to get a new one, whatever was wrong with it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members.forms_self import PreferencesForm
from members.models import Member
from members.selectors_self import member_consent_list, member_personal_data
from members.services.core import member_erase
from members.services.self_service import member_link_renew, member_preferences_update
from members.tokens import member_from_token


def _keep_private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: the token never leaves for another site,
    # but the browser still sends a real Origin header on our own forms (with
    # no-referrer it sends "Origin: null" and Django's CSRF check refuses it).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)  # Cache-Control: ... no-store ...
    return response


def personal_page(view):
    """Resolve the token to a member, in the member's language, or show the
    invalid-link page. The view gets ``member`` and ``token`` as keywords."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        member = member_from_token(token=token)
        if member is None:
            return _keep_private(render(request, "members/self/invalid_link.html", status=404))
        # A language the visitor picked in the menu wins over the stored one.
        language = request.LANGUAGE_CODE
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = member.language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, member=member, token=token, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return _keep_private(response)

    return wrapper


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    member = context.get("member")
    network = member.network if member else context.get("network")
    return render(request, template, {"network": network, **context}, status=status)


@personal_page
@require_http_methods(["GET", "POST"])
def self_home(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    form = PreferencesForm(request.POST if request.method == "POST" else None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            member_preferences_update(member=member, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your preferences have been saved."))
            return redirect("self_service:home", token)
    return _page(
        request,
        "members/self/home.html",
        {
            "member": member,
            "token": token,
            "form": form,
            "consents": member_consent_list(member=member),
            "can_get_link": bool(member.email or member.mobile_phone),
        },
    )


@personal_page
@require_safe
def self_data(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    response = JsonResponse(
        member_personal_data(member=member),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    filename = f"bin-{member.network.slug}-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@personal_page
@require_http_methods(["GET", "POST"])
def self_leave(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    if request.method == "POST":
        network = member.network
        member_erase(member=member, actor=None, reason="left")
        # Rendered here rather than redirected: the link no longer works.
        return _page(request, "members/self/goodbye.html", {"network": network})
    return _page(request, "members/self/leave.html", {"member": member, "token": token})


@personal_page
@require_POST
def self_new_link(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    try:
        member = member_link_renew(member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("self_service:home", token)
    return _page(request, "members/self/new_link_sent.html", {"member": member})


def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """The short personal link of SMS messages: on to the full personal page."""
    from django.shortcuts import redirect

    from members.tokens import member_from_short_code, member_self_service_token

    member = member_from_short_code(code=code)
    if member is None:
        return _keep_private(render(request, "members/self/invalid_link.html", status=404))
    token = member_self_service_token(member=member)
    return _keep_private(redirect("self_service:home", token=token))
