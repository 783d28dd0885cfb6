"""Members' incident reports (meldingen), the staff side: a network's list,
triage by the network's coordinator and the zone's mandated officers, and the
photo (the police only). The member sends them from the personal page.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from members.models import Member
from messaging.forms.incidents import IncidentFilterForm, IncidentTriageForm
from messaging.models import IncidentReport
from messaging.selectors.incidents import incident_detail, incident_list, incident_status_counts
from messaging.selectors.policy import CoordinatorReports, communication_policy
from messaging.services.incidents import (
    PHOTO_CONTENT_TYPES,
    incident_next_statuses,
    incident_share,
    incident_share_with_municipality,
    incident_triage,
)
from networks.views import network_from_url as _network

PAGE_SIZE = 50
_PHOTO_TYPES_BY_EXTENSION = {extension: ctype for ctype, extension in PHOTO_CONTENT_TYPES.values()}
# Browsers show these inline; HEIC mostly not, so the page offers it as a link.
_INLINE_EXTENSIONS = {".jpg", ".png", ".webp"}


def _incident(request: HttpRequest, pk: int, **_kwargs) -> IncidentReport:
    # Loaded once per request: the permission check and the view both need it.
    cached = getattr(request, "_incident_report", None)
    if cached is not None and cached.pk == pk:
        return cached
    report = incident_detail(pk=pk)
    if report is None:
        raise Http404
    request._incident_report = report
    return report


@login_required
@permission_required("messaging.view_incidents", fn=_network, raise_exception=True)
@require_safe
def incident_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = IncidentFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # A coordinator whose communication plan shows only shared reports lists
    # those: no trace (not even a count) of the others.
    shared_only = not request.user.has_perm("messaging.view_incident_summaries", network)
    reports = incident_list(
        network=network,
        status=data.get("status", ""),
        category=data.get("category", ""),
        shared_only=shared_only,
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        # Coordinators see a report's text only once an officer shared it.
        report.details_visible = request.user.has_perm("messaging.view_incident_details", report)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messaging/incidents/list.html",
        {
            "network": network,
            "page": page,
            "filter_form": form,
            "query": query.urlencode(),
            "counts": incident_status_counts(network=network, shared_only=shared_only),
            "shared_only": shared_only,
        },
    )


@login_required
@permission_required("messaging.view_incident", fn=_incident, raise_exception=True)
@require_http_methods(["GET", "POST"])
def incident_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _incident(request, pk)
    network = report.network
    user = request.user
    can_triage = user.has_perm("messaging.triage_incident", report)
    form = None
    if can_triage and report.status != IncidentReport.Status.CLOSED:
        form = IncidentTriageForm(
            request.POST if request.method == "POST" else None,
            report=report,
            next_statuses=incident_next_statuses(report=report),
        )
    if request.method == "POST":
        if not can_triage:
            raise PermissionDenied
        if form is None:
            messages.info(request, _("This report is closed."))
            return redirect("messaging:incident", pk=report.pk)
        if form.is_valid():
            try:
                incident_triage(report=report, handled_by=user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if form.cleaned_data["feedback"].strip():
                    messages.success(request, _("Saved. The feedback is on its way."))
                else:
                    messages.success(request, _("Saved."))
                return redirect("messaging:incident", pk=report.pk)
    reporter = report.member
    if reporter is not None and reporter.status == Member.Status.LEFT:
        reporter = None
    photo_extension = Path(report.photo.name).suffix.lower() if report.photo else ""
    can_share = (
        user.has_perm("messaging.share_incident", report)
        and report.shared_with_coordinators_at is None
    )
    # The officer deciding whether to share sees what coordinators see without it.
    coordinators_see = (
        CoordinatorReports(communication_policy(network=network).member_reports).label
        if can_share
        else ""
    )
    return render(
        request,
        "messaging/incidents/detail.html",
        {
            "network": network,
            "report": report,
            "form": form,
            "details": user.has_perm("messaging.view_incident_details", report),
            "can_share": can_share,
            "coordinators_see": coordinators_see,
            "can_share_municipality": user.has_perm(
                "messaging.share_incident_with_municipality", report
            )
            and report.shared_with_municipality_at is None,
            "back_to_list": user.has_perm("messaging.view_incidents", network),
            "reporter": reporter,
            "show_contact": user.has_perm("members.view_member_contact", network),
            "can_open_member": user.has_perm("members.view_member_list", network),
            "can_see_photo": user.has_perm("messaging.view_incident_photo", report),
            "photo_inline": photo_extension in _INLINE_EXTENSIONS,
        },
    )


@login_required
@permission_required("messaging.share_incident", fn=_incident, raise_exception=True)
@require_POST
def incident_share_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer shares the whole report with the network's coordinators."""
    report = incident_share(report=_incident(request, pk), shared_by=request.user)
    messages.success(
        request, _("The report is shared with the coordinators; they get an email with the link.")
    )
    return redirect("messaging:incident", pk=report.pk)


@login_required
@permission_required(
    "messaging.share_incident_with_municipality", fn=_incident, raise_exception=True
)
@require_POST
def incident_share_municipality_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer shares a nuisance report with the municipality's staff."""
    report = incident_share_with_municipality(report=_incident(request, pk), shared_by=request.user)
    messages.success(
        request,
        _("The report is shared with the municipality's staff; they get an email with the link."),
    )
    return redirect("messaging:incident", pk=report.pk)


@login_required
@permission_required("messaging.view_incident_photo", fn=_incident, raise_exception=True)
@require_safe
def incident_photo(request: HttpRequest, pk: int) -> FileResponse:
    report = _incident(request, pk)
    if not report.photo:
        raise Http404
    extension = Path(report.photo.name).suffix.lower()
    try:
        handle = report.photo.storage.open(report.photo.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=_PHOTO_TYPES_BY_EXTENSION.get(extension, "application/octet-stream"),
        filename=f"report-{report.pk}{extension}",
    )
    response["Content-Disposition"] = f'inline; filename="report-{report.pk}{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
