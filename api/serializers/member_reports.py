"""Members' reports (meldingen) for the zone's officers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.models import IncidentReport


class ReporterSerializer(serializers.Serializer):
    """Only with the member_contact:read scope; every read is in the audit log."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    street = serializers.CharField()
    house_number = serializers.CharField()
    postcode = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    mobile_phone = serializers.CharField(allow_blank=True)
    landline = serializers.CharField(allow_blank=True)


class MemberReportSerializer(serializers.ModelSerializer):
    network = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    has_photo = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()

    class Meta:
        model = IncidentReport
        fields = [
            "id",
            "network",
            "category",
            "status",
            "happened_at",
            "street",
            "description",
            "person_description",
            "vehicle_description",
            "plate",
            "police_called",
            "has_photo",
            "created_at",
            "triaged_at",
            "reporter",
        ]
        read_only_fields = fields

    def get_has_photo(self, report: IncidentReport) -> bool:
        return bool(report.photo)

    @extend_schema_field(ReporterSerializer(allow_null=True))
    def get_reporter(self, report: IncidentReport) -> dict | None:
        shown = self.context.get("contact_shown", set())
        member = report.member
        if member is None or report.pk not in shown:
            return None
        return ReporterSerializer(
            {
                "first_name": member.first_name,
                "last_name": member.last_name,
                "street": member.street,
                "house_number": member.house_number,
                "postcode": member.postcode,
                "email": member.email,
                "mobile_phone": str(member.mobile_phone or ""),
                "landline": str(member.landline or ""),
            }
        ).data


class MemberReportFilterSerializer(serializers.Serializer):
    network = serializers.SlugField(required=False, max_length=80)
    status = serializers.ChoiceField(choices=IncidentReport.Status.choices, required=False)
    category = serializers.ChoiceField(choices=IncidentReport.Category.choices, required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
