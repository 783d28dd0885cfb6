"""Members' reports (meldingen): sent from the member's personal page, triaged
by the network's coordinator and the zone's mandated officers.

The member's side reuses the personal-page wrapper of ``members.views_self``
(signed link, same invalid-link page, no Referer, no caching, no indexing).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from members.models import Member
from members.views_self import personal_page
from messaging.forms_reports import MemberReportForm, ReportFilterForm, ReportTriageForm
from messaging.models import MemberReport
from messaging.selectors.incidents import report_detail, report_list, report_status_counts
from messaging.services.reports import (
    PHOTO_CONTENT_TYPES,
    member_report_create,
    member_report_next_statuses,
    member_report_triage,
)
from networks.views import network_from_url as _network

PAGE_SIZE = 50
_PHOTO_TYPES_BY_EXTENSION = {extension: ctype for ctype, extension in PHOTO_CONTENT_TYPES.values()}
# Browsers show these inline; HEIC mostly not, so the page offers it as a link.
_INLINE_EXTENSIONS = {".jpg", ".png", ".webp"}


# --- the member's side -------------------------------------------------------------


@personal_page
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    context = {"member": member, "network": member.network, "token": token}
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "members/self/report_sent.html", context)
    can_report = member.status == Member.Status.ACTIVE
    form = MemberReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        member=member,
    )
    if request.method == "POST" and can_report and form.is_valid():
        try:
            member_report_create(member=member, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            # Redirected, so that reloading the thank-you page sends nothing twice.
            return redirect(reverse("self_service:report", args=[token]) + "?sent=1")
    return render(
        request, "members/self/report.html", {**context, "form": form, "can_report": can_report}
    )


# --- the staff side ----------------------------------------------------------------


def _report(request: HttpRequest, pk: int, **_kwargs) -> MemberReport:
    # Loaded once per request: the permission check and the view both need it.
    cached = getattr(request, "_member_report", None)
    if cached is not None and cached.pk == pk:
        return cached
    report = report_detail(pk=pk)
    if report is None:
        raise Http404
    request._member_report = report
    return report


@login_required
@permission_required("messaging.view_reports", fn=_network, raise_exception=True)
@require_safe
def report_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = ReportFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    reports = report_list(
        network=network, status=data.get("status", ""), category=data.get("category", "")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messaging/reports_list.html",
        {
            "network": network,
            "page": page,
            "filter_form": form,
            "query": query.urlencode(),
            "counts": report_status_counts(network=network),
        },
    )


@login_required
@permission_required("messaging.view_report", fn=_report, raise_exception=True)
@require_http_methods(["GET", "POST"])
def report_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    network = report.network
    user = request.user
    can_triage = user.has_perm("messaging.triage_report", report)
    form = None
    if can_triage and report.status != MemberReport.Status.CLOSED:
        form = ReportTriageForm(
            request.POST if request.method == "POST" else None,
            report=report,
            next_statuses=member_report_next_statuses(report=report),
        )
    if request.method == "POST":
        if not can_triage:
            raise PermissionDenied
        if form is None:
            messages.info(request, _("This report is closed."))
            return redirect("messaging:report", pk=report.pk)
        if form.is_valid():
            try:
                member_report_triage(report=report, handled_by=user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if form.cleaned_data["feedback"].strip():
                    messages.success(request, _("Saved. The feedback is on its way."))
                else:
                    messages.success(request, _("Saved."))
                return redirect("messaging:report", pk=report.pk)
    reporter = report.member
    if reporter is not None and reporter.status == Member.Status.LEFT:
        reporter = None
    photo_extension = Path(report.photo.name).suffix.lower() if report.photo else ""
    return render(
        request,
        "messaging/report_detail.html",
        {
            "network": network,
            "report": report,
            "form": form,
            "reporter": reporter,
            "show_contact": user.has_perm("members.view_member_contact", network),
            "can_open_member": user.has_perm("members.view_member_list", network),
            "can_see_photo": user.has_perm("messaging.view_report_photo", report),
            "photo_inline": photo_extension in _INLINE_EXTENSIONS,
        },
    )


@login_required
@permission_required("messaging.view_report_photo", fn=_report, raise_exception=True)
@require_safe
def report_photo(request: HttpRequest, pk: int) -> FileResponse:
    report = _report(request, pk)
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
