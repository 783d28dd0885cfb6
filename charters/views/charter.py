"""The network's charter: versions, editing, signatures, HTML and PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.charter import CharterForm, CharterSignForm
from charters.models import CharterSignature, CharterVersion
from charters.plan import CHANNEL_LABELS, KINDS, member_reports_statement, plan_member_reports
from charters.selectors.charter import (
    charter_in_force,
    charter_parties_of,
    charter_signatures,
    charter_versions,
    charter_working,
)
from charters.services.charter import charter_draft_create, charter_version_stamp
from charters.services.charter import charter_edit as charter_edit_service
from charters.services.charter import charter_sign as charter_sign_service
from charters.services.charter import charter_submit as charter_submit_service
from messaging.models import Message
from networks.models import Network
from networks.views import network_from_url


def _version(network: Network, number: int) -> CharterVersion:
    return get_object_or_404(
        CharterVersion.objects.select_related("network", "created_by", "based_on"),
        network=network,
        number=number,
    )


def _language(request: HttpRequest, network: Network) -> str:
    """The language asked for (?lang=), if the network uses it; else its main one."""
    wanted = request.GET.get("lang", "")
    return wanted if wanted in (network.languages or []) else network.default_language


def _document_context(version: CharterVersion) -> dict:
    signatures = charter_signatures(version=version)
    plan = version.communication_plan or {}
    rows = []
    for kind in KINDS:
        entry = plan.get(kind) or {}
        rows.append(
            {
                "label": Message.Kind(kind).label,
                "channels": [CHANNEL_LABELS.get(c, c) for c in entry.get("channels", [])],
                "coordinator_may_send": entry.get("coordinator_may_send", False),
                "officer_approves": entry.get("officer_approves", False),
                "response_time": entry.get("response_time", ""),
            }
        )
    return {
        "version": version,
        "network": version.network,
        "plan_rows": rows,
        "member_reports_statement": member_reports_statement(plan_member_reports(plan)),
        "signature_rows": [
            (label, signatures.get(party)) for party, label in CharterSignature.Party.choices
        ],
    }


def _can_edit(user, network: Network) -> bool:
    return user.has_perm("charters.edit_charter", network)


@login_required
@permission_required("charters.view_charter", fn=network_from_url, raise_exception=True)
def charter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The charter in force and the version being prepared, with the history."""
    network = network_from_url(request, slug)
    working = charter_working(network=network)
    in_force = charter_in_force(network=network)
    return render(
        request,
        "charters/charter/detail.html",
        {
            "network": network,
            "working": working,
            "in_force": in_force,
            "versions": charter_versions(network=network),
            "can_edit": _can_edit(request.user, network),
        },
    )


@login_required
@permission_required("charters.view_charter", fn=network_from_url, raise_exception=True)
def charter_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    network = network_from_url(request, slug)
    version = _version(network, number)
    language = _language(request, network)
    parties = charter_parties_of(user=request.user, network=network)
    signed = charter_signatures(version=version)
    with translation.override(language):
        document = render_to_string(
            "charters/charter/_document.html", _document_context(version), request=request
        )
    return render(
        request,
        "charters/charter/version.html",
        {
            "network": network,
            "version": version,
            "document": document,
            "document_language": language,
            # Carried to the sign form: the signature is for this text.
            "stamp": charter_version_stamp(version=version),
            "can_edit": _can_edit(request.user, network)
            and version.status
            in (
                CharterVersion.Status.DRAFT,
                CharterVersion.Status.SUBMITTED,
                CharterVersion.Status.SIGNED,
            ),
            "can_sign": version.status == CharterVersion.Status.SUBMITTED
            and any(p not in signed for p in parties),
            "voided": version.signatures.filter(voided_at__isnull=False),
        },
    )


@login_required
@require_POST
@permission_required("charters.edit_charter", fn=network_from_url, raise_exception=True)
def charter_start(request: HttpRequest, slug: str) -> HttpResponse:
    network = network_from_url(request, slug)
    try:
        version = charter_draft_create(network=network, created_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("charters:detail", slug=network.slug)
    messages.success(request, _("A new version of the charter was started."))
    return redirect("charters:edit", slug=network.slug, number=version.number)


@login_required
@permission_required("charters.edit_charter", fn=network_from_url, raise_exception=True)
def charter_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    network = network_from_url(request, slug)
    version = _version(network, number)
    if version.status in (CharterVersion.Status.VOID, CharterVersion.Status.SUPERSEDED):
        messages.info(request, _("This version is no longer valid: edit the current one."))
        return redirect("charters:detail", slug=network.slug)
    form = CharterForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        try:
            result = charter_edit_service(
                version=version, edited_by=request.user, **form.charter_fields()
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if result.pk != version.pk:
                messages.warning(
                    request,
                    _(
                        "Your changes are in a new version %(number)s: what was signed stays "
                        "as it was, and the new version needs all three signatures."
                    )
                    % {"number": result.number},
                )
            else:
                messages.success(request, _("The charter was saved."))
            return redirect("charters:version", slug=network.slug, number=result.number)
    signed = version.signatures.filter(voided_at__isnull=True).exists()
    return render(
        request,
        "charters/charter/edit.html",
        {"network": network, "version": version, "form": form, "signed": signed},
    )


@login_required
@require_POST
@permission_required("charters.edit_charter", fn=network_from_url, raise_exception=True)
def charter_submit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    network = network_from_url(request, slug)
    version = _version(network, number)
    try:
        charter_submit_service(version=version, submitted_by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("charters:edit", slug=network.slug, number=version.number)
    messages.success(request, _("The charter was submitted; the parties were asked to sign."))
    return redirect("charters:version", slug=network.slug, number=version.number)


@login_required
@permission_required("charters.sign_charter", fn=network_from_url, raise_exception=True)
def charter_sign(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    network = network_from_url(request, slug)
    own_parties = charter_parties_of(user=request.user, network=network)
    if not own_parties:
        # Superusers pass every permission check; they are still no party.
        raise PermissionDenied
    version = _version(network, number)
    if version.status != CharterVersion.Status.SUBMITTED:
        messages.info(request, _("Only a version submitted for signature can be signed."))
        return redirect("charters:version", slug=network.slug, number=version.number)
    signed = charter_signatures(version=version)
    parties = [p for p in own_parties if p not in signed]
    initial = {
        "name": request.user.get_full_name(),
        # The version page's Sign link says which text was read.
        "seen": request.GET.get("seen") or charter_version_stamp(version=version),
    }
    form = CharterSignForm(request.POST or None, parties=parties, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            charter_sign_service(
                version=version,
                user=request.user,
                party=form.cleaned_data["party"],
                name=form.cleaned_data["name"],
                role_title=form.cleaned_data["role_title"],
                seen=form.cleaned_data["seen"] or None,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            version.refresh_from_db()
            if version.status == CharterVersion.Status.SIGNED:
                messages.success(request, _("All three parties signed: the charter is in force."))
            else:
                messages.success(request, _("Your signature was recorded."))
            return redirect("charters:version", slug=network.slug, number=version.number)
    return render(
        request,
        "charters/charter/sign.html",
        {"network": network, "version": version, "form": form, "parties": parties},
    )


@login_required
@permission_required("charters.view_charter", fn=network_from_url, raise_exception=True)
def charter_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The version as a PDF in one of the network's languages (?lang=).

    Small document: rendered in the request. Nothing is fetched from outside:
    system fonts, styles in the document, no remote URLs.
    """
    # why: weasyprint loads Pango and its fonts when imported; only this view needs it.
    from weasyprint import HTML

    network = network_from_url(request, slug)
    version = _version(network, number)
    language = _language(request, network)
    with translation.override(language):
        html = render_to_string(
            "charters/charter/pdf.html",
            {**_document_context(version), "language": language},
        )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_no_fetch).write_pdf()
    if not pdf:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"charter-{network.slug}-v{version.number}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _no_fetch(url: str, *args, **kwargs):
    # The PDF never loads anything: no remote resource can leak who reads it.
    raise ValueError(f"charter PDF does not fetch {url}")
