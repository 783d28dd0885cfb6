"""The personal page itself: preferences, data download, leaving, a new
link, and the short link of SMS messages that leads to it.

Every view but the short link goes through ``personal.decorators.personal_page``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members.models import Member
from members.services.core import member_erase
from members.services.personal import member_link_renew, member_preferences_update
from members.tokens import member_from_short_code, member_personal_token
from personal.decorators import invalid_link, keep_private, personal_page
from personal.forms.home import PreferencesForm
from personal.selectors.home import member_consent_list, member_personal_data


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    member = context.get("member")
    network = member.network if member else context.get("network")
    return render(request, template, {"network": network, **context}, status=status)


@personal_page
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    form = PreferencesForm(request.POST if request.method == "POST" else None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            member_preferences_update(member=member, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your preferences have been saved."))
            return redirect("personal:home", token)
    return _page(
        request,
        "personal/home/home.html",
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
def data(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
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
def leave(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    if request.method == "POST":
        network = member.network
        member_erase(member=member, actor=None, reason="left")
        # Rendered here rather than redirected: the link no longer works.
        return _page(request, "personal/home/goodbye.html", {"network": network})
    return _page(request, "personal/home/leave.html", {"member": member, "token": token})


@personal_page
@require_POST
def new_link(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    try:
        member = member_link_renew(member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("personal:home", token)
    return _page(request, "personal/home/new_link_sent.html", {"member": member})


def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """The short personal link of SMS messages: on to the full personal page."""
    member = member_from_short_code(code=code)
    if member is None:
        return keep_private(invalid_link(request))
    token = member_personal_token(member=member)
    return keep_private(redirect("personal:home", token=token))
