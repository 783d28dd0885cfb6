"""Members' reports for the zone's officers (scope member_reports:read); the
reporter's contact data only with member_contact:read, logged per read."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from api.scopes import Scope
from api.selectors.resources import api_member_reports_for
from api.serializers.member_reports import MemberReportFilterSerializer, MemberReportSerializer
from api.services.contact import reporter_contact_reveal
from api.views.base import ApiView
from messaging.models import IncidentReport


class MemberReportList(generics.ListAPIView, ApiView):
    scopes = {"GET": Scope.MEMBER_REPORTS_READ}
    serializer_class = MemberReportSerializer
    filter_serializer_class = MemberReportFilterSerializer

    def get_queryset(self):
        return api_member_reports_for(user=self.request.user, filters=self.filters())

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            reports = list(args[0])
            kwargs["context"] = {
                **self.get_serializer_context(),
                "contact_shown": reporter_contact_reveal(
                    user=self.request.user, token=self.request.auth, reports=reports
                ),
            }
            args = (reports, *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(operation_id="member_reports_list", parameters=[MemberReportFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MemberReportDetail(ApiView):
    scopes = {"GET": Scope.MEMBER_REPORTS_READ}
    serializer_class = MemberReportSerializer

    @extend_schema(operation_id="member_reports_retrieve", responses={200: MemberReportSerializer})
    def get(self, request, pk: int):
        report = get_object_or_404(
            IncidentReport.objects.select_related("network", "member"), pk=pk
        )
        self.visible("api.view_member_report", report)
        shown = reporter_contact_reveal(user=request.user, token=request.auth, reports=[report])
        return Response(MemberReportSerializer(report, context={"contact_shown": shown}).data)
