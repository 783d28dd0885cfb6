"""Public sign-up pages: the form, the SMS code, the email link, what comes next.

Open to everyone, without login. The pending sign-up lives in the session;
for a known address or a bot it is a decoy that looks and behaves exactly the
same (members/services/signup.py).
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bin_platform.forms import errors_to_form
from members.forms.signup import SignupCodeForm, SignupForm
from members.services.signup import (
    signup_email_token_check,
    signup_progress,
    signup_sms_resend,
    signup_submit,
    signup_verify_email,
    signup_verify_sms,
)
from members.services.signup_codes import SignupProgress, SignupRateLimited, signup_sms_locked_text
from networks.models import Network
from networks.selectors import network_public_list

_STATE = "signup"
_DONE = "signup_done"


def _network(slug: str) -> Network:
    # Only networks that are founded or being founded take sign-ups.
    return get_object_or_404(network_public_list().select_related("police_zone"), slug=slug)


def _client_ip(request: HttpRequest) -> str:
    # The same reading of X-Forwarded-For as allauth's own rate limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:
        return request.META.get("REMOTE_ADDR", "")


def _base_context(network: Network) -> dict:
    return {
        "network": network,
        "privacy_version": settings.PRIVACY_NOTICE_VERSION,
        "retention_days": settings.SIGNUP_RETENTION_DAYS,
    }


def _state_for(network: Network, progress: SignupProgress) -> dict:
    return {
        "network": network.pk,
        "member": progress.member_id,
        "decoy": progress.decoy_key,
        "needs_sms": progress.needs_sms,
        "email_hint": progress.email_hint,
        "phone_hint": progress.phone_hint,
    }


def _finish(request: HttpRequest, network: Network, progress: SignupProgress) -> HttpResponse:
    """Leave the verification steps once both addresses are proven."""
    request.session.pop(_STATE, None)
    status = "active" if progress.active else "waiting"
    request.session[_DONE] = {"network": network.pk, "status": status}
    return redirect("members:signup:done", slug=network.slug)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(slug)
    status = 200
    form = SignupForm(request.POST or None, network=network, language=get_language())
    if request.method == "POST" and form.is_valid():
        try:
            progress = signup_submit(
                network=network,
                ip=_client_ip(request),
                suspected_bot=form.filled_by_bot,
                **form.submission(),
            )
        except SignupRateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            request.session.pop(_DONE, None)
            request.session[_STATE] = _state_for(network, progress)
            return redirect("members:signup:verify", slug=network.slug)
    context = _base_context(network) | {
        "form": form,
        "house_rules": form.house_rules,
        "has_streets": len(form.fields["street"].choices) > 1,
    }
    return render(request, "members/signup/join.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, slug: str) -> HttpResponse:
    """The SMS code and what is left to confirm. A decoy takes the very same
    path: the service tells them apart, this view never does."""
    network = _network(slug)
    state = request.session.get(_STATE)
    if not state or state.get("network") != network.pk:
        return redirect("members:signup:join", slug=network.slug)
    signup = {
        "network": network,
        "member_id": state.get("member"),
        "decoy_key": state.get("decoy") or "",
    }
    progress = signup_progress(**signup)
    if progress is None:
        request.session.pop(_STATE, None)
        messages.warning(request, _("This sign-up is no longer open. You can sign up again."))
        return redirect("members:signup:join", slug=network.slug)
    if not progress.pending:
        return _finish(request, network, progress)
    status = 200
    alert = ""
    form = SignupCodeForm()
    if request.method == "POST":
        ip = _client_ip(request)
        try:
            if request.POST.get("action") == "resend":
                try:
                    signup_sms_resend(**signup, ip=ip)
                except ValidationError as exc:
                    alert = " ".join(exc.messages)
                else:
                    messages.success(
                        request, _("We sent you a new code. The old one no longer works.")
                    )
                    return redirect("members:signup:verify", slug=network.slug)
            else:
                form = SignupCodeForm(request.POST)
                if form.is_valid():
                    progress = signup_verify_sms(**signup, code=form.cleaned_data["code"], ip=ip)
                    if progress.email_verified:
                        return _finish(request, network, progress)
                    messages.success(request, _("Your mobile number is confirmed."))
                    return redirect("members:signup:verify", slug=network.slug)
        except SignupRateLimited as exc:
            alert = exc.message
            status = 429
        except ValidationError as exc:
            form.add_error("code", exc.messages)
        progress = signup_progress(**signup) or progress
    context = _base_context(network) | {
        "state": state,
        "form": form,
        "alert": alert,
        "phone_done": progress.phone_verified,
        "email_done": progress.email_verified,
        "sms_locked": signup_sms_locked_text() if progress.sms_locked else "",
    }
    return render(request, "members/signup/verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The link from the email. Confirming takes a click (POST), so mail
    scanners that open links do not confirm on the reader's behalf."""
    network = _network(slug)
    try:
        if request.method == "POST":
            progress = signup_verify_email(token=token, network=network)
        else:
            already = signup_email_token_check(token=token, network=network)
    except ValidationError as exc:
        context = _base_context(network) | {"error": " ".join(exc.messages)}
        return render(request, "members/signup/link_invalid.html", context, status=400)
    if request.method == "GET":
        context = _base_context(network) | {"already": already}
        return render(request, "members/signup/confirm_email.html", context)
    if not progress.pending or not (progress.needs_sms and not progress.phone_verified):
        return _finish(request, network, progress)
    # Holding the link proves the address: it may finish the SMS step here,
    # also on another device than the one used to sign up.
    request.session[_STATE] = _state_for(network, progress)
    messages.success(request, _("Your email address is confirmed. One step left."))
    return redirect("members:signup:verify", slug=network.slug)


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
