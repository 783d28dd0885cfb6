"""Starting a BIN: the public request form and interest list (no login), the
officers' list of requests and their answer, the information evening's
invitation to the interest list, and the printable flyer and letter."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.starting import DeclineForm, InterestForm, OpenNetworkForm, StartRequestForm
from charters.models import Meeting, StartRequest
from charters.selectors.starting import (
    network_join_url,
    qr_code_data_uri,
    start_requests_for_user,
)
from charters.services.interest import (
    FOUNDING_STATUSES,
    StartingRateLimited,
    interest_confirm,
    interest_entry_for_token,
    interest_submit,
    meeting_interest_invite,
)
from charters.services.start_requests import (
    start_request_confirm,
    start_request_decline,
    start_request_for_token,
    start_request_open,
    start_request_submit,
)
from networks.models import Network
from networks.views import network_from_url as _network

_SENT = "starting_sent"
_PUBLIC_STATUSES = (*FOUNDING_STATUSES, Network.Status.ACTIVE)


def _client_ip(request: HttpRequest) -> str:
    # The same reading of X-Forwarded-For as allauth's own rate limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:
        return request.META.get("REMOTE_ADDR", "")


def _public_network(slug: str) -> Network:
    return get_object_or_404(
        Network.objects.select_related("municipality", "police_zone"),
        slug=slug,
        status__in=_PUBLIC_STATUSES,
    )


# --- public: the request to start a BIN -----------------------------------------------


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    form = StartRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            outcome = start_request_submit(
                **form.submission(),
                language=get_language(),
                ip=_client_ip(request),
                suspected_bot=form.filled_by_bot,
            )
        except StartingRateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            request.session[_SENT] = outcome.email_hint
            return redirect("starting:request_sent")
    return render(request, "charters/starting/request_form.html", {"form": form}, status=status)


def request_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "charters/starting/sent.html",
        {"email_hint": request.session.get(_SENT, ""), "network": None},
    )


@require_http_methods(["GET", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. Confirming takes a click (POST), so mail
    scanners that open links do not confirm on the reader's behalf."""
    try:
        if request.method == "POST":
            start_request_confirm(token=token)
            return render(request, "charters/starting/request_confirmed.html")
        start = start_request_for_token(token=token)
    except ValidationError as exc:
        context = {"error": " ".join(exc.messages)}
        return render(request, "charters/starting/link_invalid.html", context, status=400)
    context = {"already": start.status != StartRequest.Status.UNVERIFIED, "network": None}
    return render(request, "charters/starting/confirm.html", context)


# --- public: the interest list of a network being founded ---------------------------


@require_http_methods(["GET", "POST"])
def interest(request: HttpRequest, slug: str) -> HttpResponse:
    network = _public_network(slug)
    open_list = network.status in FOUNDING_STATUSES
    form = InterestForm(request.POST or None) if open_list else None
    status = 200
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            outcome = interest_submit(
                network=network,
                **form.submission(),
                language=get_language(),
                ip=_client_ip(request),
                suspected_bot=form.filled_by_bot,
            )
        except StartingRateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            request.session[_SENT] = outcome.email_hint
            return redirect("starting:interest_sent", slug=network.slug)
    context = {
        "network": network,
        "form": form,
        "retention_days": settings.INTEREST_RETENTION_DAYS,
        "hours": settings.SIGNUP_EMAIL_LINK_HOURS,
    }
    return render(request, "charters/starting/interest_form.html", context, status=status)


def interest_sent(request: HttpRequest, slug: str) -> HttpResponse:
    network = _public_network(slug)
    return render(
        request,
        "charters/starting/sent.html",
        {"email_hint": request.session.get(_SENT, ""), "network": network},
    )


@require_http_methods(["GET", "POST"])
def interest_confirm_view(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    network = _public_network(slug)
    try:
        if request.method == "POST":
            interest_confirm(network=network, token=token)
            return render(
                request, "charters/starting/interest_confirmed.html", {"network": network}
            )
        entry = interest_entry_for_token(network=network, token=token)
    except ValidationError as exc:
        context = {"error": " ".join(exc.messages), "network": network}
        return render(request, "charters/starting/link_invalid.html", context, status=400)
    context = {"already": entry.email_verified_at is not None, "network": network}
    return render(request, "charters/starting/confirm.html", context)


# --- staff: the officers' requests ---------------------------------------------------


@login_required
@permission_required("charters.view_start_requests", raise_exception=True)
def requests_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "charters/starting/requests.html",
        {"requests": start_requests_for_user(user=request.user)},
    )


def _start_request(request: HttpRequest, pk: int) -> StartRequest:
    return get_object_or_404(start_requests_for_user(user=request.user), pk=pk)


def _detail(request, start, open_form=None, decline_form=None, status=200) -> HttpResponse:
    if open_form is None:
        open_form = OpenNetworkForm(
            initial={
                "name": f"BIN {start.street}",
                "languages": ["nl"] if start.municipality.police_zone.country == "NL" else [
                    start.language if start.language in ("nl", "fr", "de") else "nl"
                ],
            },
            prefix="open",
        )  # fmt: skip
    return render(
        request,
        "charters/starting/request_detail.html",
        {
            "start": start,
            "open_form": open_form,
            "decline_form": decline_form or DeclineForm(prefix="decline"),
            "can_decide": start.status == StartRequest.Status.NEW
            and request.user.has_perm("charters.decide_start_request", start),
        },
        status=status,
    )


@login_required
@permission_required("charters.view_start_requests", raise_exception=True)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _start_request(request, pk))


@login_required
@require_POST
@permission_required("charters.view_start_requests", raise_exception=True)
def request_open(request: HttpRequest, pk: int) -> HttpResponse:
    start = _start_request(request, pk)
    if not request.user.has_perm("charters.decide_start_request", start):
        raise PermissionDenied
    form = OpenNetworkForm(request.POST, prefix="open")
    if form.is_valid():
        try:
            network = start_request_open(request=start, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("%(network)s is proposed; its founding checklist is open.")
                % {"network": network.name},
            )  # fmt: skip
            return redirect("charters:founding", slug=network.slug)
    return _detail(request, start, open_form=form, status=400)


@login_required
@require_POST
@permission_required("charters.view_start_requests", raise_exception=True)
def request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    start = _start_request(request, pk)
    if not request.user.has_perm("charters.decide_start_request", start):
        raise PermissionDenied
    form = DeclineForm(request.POST, prefix="decline")
    if form.is_valid():
        try:
            start_request_decline(request=start, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The request was declined; the resident was told why."))
            return redirect("starting:requests")
    return _detail(request, start, decline_form=form, status=400)


# --- staff: the info evening and the flyer -------------------------------------------------


@login_required
@require_POST
@permission_required("charters.manage_meetings", fn=_network, raise_exception=True)
def meeting_invite_interest(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk, network__slug=slug)
    try:
        invitation = meeting_interest_invite(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "The invitation went to %(count)d person on the interest list.",
                "The invitation went to %(count)d people on the interest list.",
                invitation.recipients,
            ) % {"count": invitation.recipients},
        )  # fmt: skip
    return redirect("charters:governance:meeting_detail", slug=slug, pk=meeting.pk)


_PRINTS = {
    "flyer": "charters/starting/flyer_pdf.html",
    "letter": "charters/starting/letter_pdf.html",
}


@login_required
@permission_required("charters.print_flyer", fn=_network, raise_exception=True)
def print_pdf(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """The A4 flyer or letter (?lang= one of the network's languages) with a
    QR code to the network's join page. Rendered in the request; nothing is
    fetched from outside (styles inline, system fonts, QR code as an inline PNG)."""
    # why: weasyprint loads Pango and its fonts when imported; only this view needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    if kind not in _PRINTS:
        raise Http404
    network = _network(request, slug)
    offered = network.languages or [network.default_language]
    language = request.GET.get("lang") or offered[0]
    if language not in offered:
        language = offered[0]
    url = network_join_url(network=network)
    with translation.override(language):
        html = render_to_string(
            _PRINTS[kind],
            {
                "network": network,
                "language": language,
                "url": url,
                "qr": qr_code_data_uri(url=url),
                "emergency": network.emergency_numbers,
            },
        )
    # The PDF never loads anything: no remote resource can leak who reads it.
    # Only data: URIs are read (the QR code, inlined), never a file or the network.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{network.slug}-{language}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
