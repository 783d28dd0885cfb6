"""The reports' figures (scope aggregates:read): the same sections, the same
permissions and, nationally, the same small-count suppression as the
dashboards (``reports.tables``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from api.scopes import Scope
from api.serializers.aggregates import (
    AreaReportFilterSerializer,
    ReportFilterSerializer,
    ReportSerializer,
)
from api.views.base import ApiView
from networks.models import Municipality, Network, PoliceZone
from reports.forms import ReportFilterForm
from reports.tables.national import national_report_cached
from reports.tables.network import network_report
from reports.tables.report import Report


def _cell(value):
    """A cell as JSON: numbers and text as they are, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def report_data(report: Report) -> dict:
    return {
        "title": report.title,
        "scope": report.scope,
        "period": {"start": report.period.start, "end": report.period.end},
        "anonymised": report.anonymised,
        "generated_at": report.generated_at,
        "sections": [
            {
                "key": section.key,
                "title": str(section.title),
                "columns": [str(c) for c in section.columns],
                "rows": [[_cell(v) for v in row] for row in section.rows],
                "totals": None if section.totals is None else [_cell(v) for v in section.totals],
                "note": str(section.note or ""),
            }
            for section in report.sections
        ],
    }


class AggregateView(ApiView):
    scopes = {"GET": Scope.AGGREGATES_READ}
    serializer_class = ReportSerializer

    def period_form(self, networks=None) -> ReportFilterForm:
        """The dashboards' filter form on the query string (400 with its errors)."""
        form = ReportFilterForm(self.request.query_params, networks=networks)
        if form.is_bound and not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in errors] for name, errors in form.errors.items()}
            )
        return form

    def area_report(self, *, networks, title: str, scope: str, zone_extras: bool = False):
        form = self.period_form(networks)
        chosen = form.chosen_network()
        listed = list(networks.select_related("municipality", "police_zone"))
        if chosen is not None:
            listed = [n for n in listed if n.pk == chosen.pk]
            scope = f"{scope}: {chosen.name}"
        report = network_report(
            networks=listed,
            period=form.report_period(),
            title=title,
            scope=scope,
            zone_extras=zone_extras,
        )
        return Response(ReportSerializer(report_data(report)).data)


class NetworkAggregates(AggregateView):
    @extend_schema(operation_id="aggregates_network", parameters=[ReportFilterSerializer])
    def get(self, request, slug: str):
        network = get_object_or_404(Network, slug=slug)
        self.require("reports.view_network", network)
        form = self.period_form()
        report = network_report(
            networks=[network],
            period=form.report_period(),
            title=_("Report of %(network)s") % {"network": network.name},
            scope=network.name,
        )
        return Response(ReportSerializer(report_data(report)).data)


class MunicipalityAggregates(AggregateView):
    """By the municipality's official code (NIS in Belgium, CBS in the Netherlands)."""

    @extend_schema(operation_id="aggregates_municipality", parameters=[AreaReportFilterSerializer])
    def get(self, request, code: str):
        municipality = get_object_or_404(Municipality, official_code=code)
        self.require("reports.view_municipality", municipality)
        return self.area_report(
            networks=Network.objects.filter(municipality=municipality).order_by("name"),
            title=_("Report of the municipality of %(name)s") % {"name": municipality.name},
            scope=municipality.name,
        )


class ZoneAggregates(AggregateView):
    """By the police zone's number."""

    @extend_schema(operation_id="aggregates_zone", parameters=[AreaReportFilterSerializer])
    def get(self, request, number: str):
        zone = get_object_or_404(PoliceZone, number=number)
        self.require("reports.view_zone", zone)
        return self.area_report(
            networks=Network.objects.filter(police_zone=zone).order_by("name"),
            title=_("Report of police zone %(zone)s") % {"zone": zone},
            scope=str(zone),
            zone_extras=True,
        )


class NationalAggregates(AggregateView):
    """Anonymised: counts below 5 and what would reveal them read "< 5"."""

    @extend_schema(operation_id="aggregates_national", parameters=[ReportFilterSerializer])
    def get(self, request):
        if not request.user.has_perm("reports.view_national"):
            raise exceptions.PermissionDenied(_("Your roles do not allow this."))
        report = national_report_cached(period=self.period_form().report_period())
        return Response(ReportSerializer(report_data(report)).data)
