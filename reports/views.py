"""Dashboards per network, municipality, police zone and the national one,
their exports (CSV, XLSX, PDF) and the municipality's household counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rules.contrib.views import permission_required

from bin_platform.spreadsheets import XLSX_TYPE
from networks.models import Municipality, Network, PoliceZone
from networks.selectors import street_list
from networks.views import network_from_url
from reports import exports, services
from reports.forms import HouseholdCountFormSet, ReportFilterForm
from reports.selectors.dashboards import dashboards_for_user
from reports.tables.national import national_report_cached
from reports.tables.network import network_report
from reports.tables.report import Report

FORMATS = ("csv", "xlsx", "pdf")


@dataclass
class Scope:
    """What a dashboard covers: its networks, title and URL names."""

    kind: str  # network, municipality, zone, national
    title: str
    scope: str
    networks: QuerySet[Network] | None
    url_name: str
    url_kwargs: dict
    network_filter: bool = True


def _municipality(request: HttpRequest, pk: int, **_kwargs) -> Municipality:
    return get_object_or_404(Municipality.objects.select_related("police_zone"), pk=pk)


def _zone(request: HttpRequest, pk: int, **_kwargs) -> PoliceZone:
    return get_object_or_404(PoliceZone, pk=pk)


def _scope_network(request, slug) -> Scope:
    network = network_from_url(request, slug)
    return Scope(
        kind="network",
        title=_("Report of %(network)s") % {"network": network.name},
        scope=network.name,
        networks=Network.objects.filter(pk=network.pk),
        url_name="reports:network",
        url_kwargs={"slug": network.slug},
        network_filter=False,
    )


def _scope_municipality(request, pk) -> Scope:
    municipality = _municipality(request, pk)
    return Scope(
        kind="municipality",
        title=_("Report of the municipality of %(name)s") % {"name": municipality.name},
        scope=municipality.name,
        networks=Network.objects.filter(municipality=municipality).order_by("name"),
        url_name="reports:municipality",
        url_kwargs={"pk": municipality.pk},
    )


def _scope_zone(request, pk) -> Scope:
    zone = _zone(request, pk)
    return Scope(
        kind="zone",
        title=_("Report of police zone %(zone)s") % {"zone": zone},
        scope=str(zone),
        networks=Network.objects.filter(police_zone=zone).order_by("name"),
        url_name="reports:zone",
        url_kwargs={"pk": zone.pk},
    )


def _scope_national(request) -> Scope:
    return Scope(
        kind="national",
        title=_("National overview"),
        scope=_("Belgium and the Netherlands"),
        networks=None,
        url_name="reports:national",
        url_kwargs={},
        network_filter=False,
    )


def _build(request: HttpRequest, scope: Scope) -> tuple[ReportFilterForm, Report | None]:
    """The filter form read from the query string, and the report it asks
    for (None while the filters have errors)."""
    form = ReportFilterForm(request.GET, networks=scope.networks if scope.network_filter else None)
    if form.is_bound and not form.is_valid():
        return form, None
    period = form.report_period()
    if scope.kind == "national":
        return form, national_report_cached(period=period)
    networks = list(scope.networks.select_related("municipality", "police_zone"))
    title, label = scope.title, scope.scope
    chosen = form.chosen_network()
    if chosen is not None:
        networks = [n for n in networks if n.pk == chosen.pk]
        label = f"{scope.scope}: {chosen.name}"
    # Municipal staff see small counts as "< 5": exact counts only for those
    # who see every network of the report as they are (SECURITY.md).
    exact = all(request.user.has_perm("networks.view_exact_counts", n) for n in networks)
    # Coordinators see figures on members' reports only when the network's
    # communication plan shows them every report's category, street and time.
    member_reports = all(
        request.user.has_perm("messaging.view_incident_figures", n) for n in networks
    )
    report = network_report(
        networks=networks,
        period=period,
        title=title,
        scope=label,
        zone_extras=scope.kind == "zone",
        anonymised=not exact,
        member_reports=member_reports,
    )
    return form, report


def _dashboard(request: HttpRequest, scope: Scope) -> HttpResponse:
    form, report = _build(request, scope)
    query = request.GET.urlencode()
    # The export links: the same scope and filters, one per format.
    exports = [
        (
            fmt,
            reverse(f"{scope.url_name}_export", kwargs={**scope.url_kwargs, "fmt": fmt})
            + (f"?{query}" if query else ""),
        )
        for fmt in FORMATS
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "scope": scope,
            "form": form,
            "report": report,
            "query": query,
            "exports": exports,
            "charts": [
                (section, section.chart_data()) for section in (report.sections if report else [])
            ],
            "can_enter_households": scope.kind == "network"
            and request.user.has_perm("reports.change_household_counts", scope.networks.first()),
        },
        status=200 if report is not None else 400,
    )


def _export(request: HttpRequest, scope: Scope, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    _form, report = _build(request, scope)
    if report is None:
        return _dashboard(request, scope)
    stem = report.filename_stem
    if fmt == "csv":
        body = "".join(exports.report_csv_lines(report))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(exports.report_xlsx_content(report), content_type=XLSX_TYPE)
    else:
        pdf = exports.report_pdf_content(report, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


# --- views ------------------------------------------------------------------------


@login_required
@permission_required("reports.view_any", raise_exception=True)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", dashboards_for_user(user=request.user))


@login_required
@permission_required("reports.view_network", fn=network_from_url, raise_exception=True)
@require_GET
@never_cache
def network(request: HttpRequest, slug: str) -> HttpResponse:
    return _dashboard(request, _scope_network(request, slug))


@login_required
@permission_required("reports.view_network", fn=network_from_url, raise_exception=True)
@require_GET
@never_cache
def network_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _export(request, _scope_network(request, slug), fmt)


@login_required
@permission_required("reports.view_municipality", fn=_municipality, raise_exception=True)
@require_GET
@never_cache
def municipality(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, _scope_municipality(request, pk))


@login_required
@permission_required("reports.view_municipality", fn=_municipality, raise_exception=True)
@require_GET
@never_cache
def municipality_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, _scope_municipality(request, pk), fmt)


@login_required
@permission_required("reports.view_zone", fn=_zone, raise_exception=True)
@require_GET
@never_cache
def zone(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, _scope_zone(request, pk))


@login_required
@permission_required("reports.view_zone", fn=_zone, raise_exception=True)
@require_GET
@never_cache
def zone_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, _scope_zone(request, pk), fmt)


@login_required
@permission_required("reports.view_national", raise_exception=True)
@require_GET
@never_cache
def national(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, _scope_national(request))


@login_required
@permission_required("reports.view_national", raise_exception=True)
@require_GET
@never_cache
def national_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, _scope_national(request), fmt)


@login_required
@permission_required("reports.change_household_counts", fn=network_from_url, raise_exception=True)
def households(request: HttpRequest, slug: str) -> HttpResponse:
    """The municipality enters the number of households per street stretch."""
    network = network_from_url(request, slug)
    queryset = street_list(network=network)
    formset = HouseholdCountFormSet(request.POST or None, queryset=queryset, prefix="streets")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        counts = {
            form.instance.pk: form.cleaned_data.get("household_count")
            for form in formset.forms
            if form.instance.pk
        }
        try:
            changed = services.street_household_counts_update(
                network=network, counts=counts, changed_by=request.user
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Household counts saved (%(count)s street(s) changed).") % {"count": changed},
            )
            return redirect("reports:network", slug=network.slug)
    return render(
        request,
        "reports/households.html",
        {"network": network, "formset": formset, "errors": errors},
    )
