"""Public sign-up pages: the form, the SMS code, the email link, what comes next.

Open to everyone, without login. The pending sign-up lives in the session;
for a known address or a bot it is a decoy that looks exactly the same.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import services
from members.forms_signup import SignupCodeForm, SignupForm
from members.models import Member
from networks.models import Network
from networks.selectors import network_public_list

_STATE = "signup"
_DONE = "signup_done"


def _network(slug: str) -> Network:
    # Only networks that are founded or being founded take sign-ups.
    return get_object_or_404(network_public_list().select_related("police_zone"), slug=slug)


def _client_ip(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    # The same reading of X-Forwarded-For as allauth's own rate limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:
        return request.META.get("REMOTE_ADDR", "")


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _mask_phone(phone: str) -> str:
    return f"…{str(phone)[-2:]}" if phone else ""


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _base_context(network: Network) -> dict:
    return {
        "network": network,
        "privacy_version": settings.PRIVACY_NOTICE_VERSION,
        "retention_days": settings.SIGNUP_RETENTION_DAYS,
    }


def _state_for(network: Network, member: Member) -> dict:
    return {
        "network": network.pk,
        "member": member.pk,
        "decoy": "",
        "needs_sms": bool(member.mobile_phone),
        "email_hint": _mask_email(member.email),
        "phone_hint": _mask_phone(member.mobile_phone),
    }


def _finish(request: HttpRequest, network: Network, member: Member) -> HttpResponse:
    """Leave the verification steps once both addresses are proven."""
    request.session.pop(_STATE, None)
    status = "active" if member.status == Member.Status.ACTIVE else "waiting"
    request.session[_DONE] = {"network": network.pk, "status": status}
    return redirect("signup:done", slug=network.slug)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(slug)
    status = 200
    form = SignupForm(request.POST or None, network=network, language=get_language())
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.signup_submit(
                network=network, data=form.cleaned_data, ip=_client_ip(request)
            )
        except services.SignupRateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            request.session.pop(_DONE, None)
            request.session[_STATE] = {
                "network": network.pk,
                "member": outcome.member_id,
                "decoy": outcome.decoy_key,
                "needs_sms": outcome.needs_sms,
                "email_hint": _mask_email(form.cleaned_data["email"]),
                "phone_hint": _mask_phone(form.cleaned_data.get("mobile_phone", "")),
            }
            return redirect("signup:verify", slug=network.slug)
    context = _base_context(network) | {
        "form": form,
        "house_rules": form.house_rules,
        "has_streets": len(form.fields["street"].choices) > 1,
    }
    return render(request, "members/signup/join.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(slug)
    state = request.session.get(_STATE)
    if not state or state.get("network") != network.pk:
        return redirect("signup:join", slug=network.slug)
    member = None
    if not state.get("decoy"):
        member = Member.objects.select_related("network").filter(pk=state.get("member")).first()
        if member is None or member.network_id != network.pk:
            request.session.pop(_STATE, None)
            messages.warning(request, _("This sign-up is no longer open. You can sign up again."))
            return redirect("signup:join", slug=network.slug)
        if member.status != Member.Status.PENDING:
            return _finish(request, network, member)
    status = 200
    limited = ""
    form = SignupCodeForm()
    if request.method == "POST":
        ip = _client_ip(request)
        try:
            if request.POST.get("action") == "resend":
                if member is None:
                    services.signup_decoy_sms_resend(decoy_key=state["decoy"])
                else:
                    services.signup_sms_resend(member=member)
                messages.success(request, _("We sent you a new code. The old one no longer works."))
                return redirect("signup:verify", slug=network.slug)
            form = SignupCodeForm(request.POST)
            if form.is_valid():
                code = form.cleaned_data["code"]
                if member is None:
                    # Raises like a wrong code, every time.
                    services.signup_decoy_verify_sms(decoy_key=state["decoy"], code=code, ip=ip)
                else:
                    member = services.signup_verify_sms(member=member, code=code, ip=ip)
                    if member.email_verified_at:
                        return _finish(request, network, member)
                    messages.success(request, _("Your mobile number is confirmed."))
                    return redirect("signup:verify", slug=network.slug)
        except services.SignupRateLimited as exc:
            limited = exc.message
            status = 429
        except ValidationError as exc:
            form.add_error("code", exc.messages)
    context = _base_context(network) | {
        "state": state,
        "form": form,
        "limited": limited,
        "phone_done": bool(member and member.phone_verified_at),
        "email_done": bool(member and member.email_verified_at),
    }
    return render(request, "members/signup/verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The link from the email. Confirming takes a click (POST), so mail
    scanners that open links do not confirm on the reader's behalf."""
    network = _network(slug)
    try:
        if request.method == "POST":
            member = services.signup_verify_email(token=token, network=network)
        else:
            verification = services.signup_email_token_check(token=token, network=network)
    except ValidationError as exc:
        context = _base_context(network) | {"error": " ".join(exc.messages)}
        return render(request, "members/signup/link_invalid.html", context, status=400)
    if request.method == "GET":
        context = _base_context(network) | {"already": verification.verified_at is not None}
        return render(request, "members/signup/confirm_email.html", context)
    if member.status != Member.Status.PENDING or not (
        member.mobile_phone and not member.phone_verified_at
    ):
        return _finish(request, network, member)
    # Holding the link proves the address: it may finish the SMS step here,
    # also on another device than the one used to sign up.
    request.session[_STATE] = _state_for(network, member)
    messages.success(request, _("Your email address is confirmed. One step left."))
    return redirect("signup:verify", slug=network.slug)


def done(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(slug)
    finished = request.session.get(_DONE)
    outcome = finished["status"] if finished and finished.get("network") == network.pk else ""
    return render(
        request, "members/signup/done.html", _base_context(network) | {"outcome": outcome}
    )


def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(slug)
    return render(request, "members/signup/privacy.html", _base_context(network))
