"""The reports' figures: the same sections as the dashboards and their exports."""

from __future__ import annotations

from rest_framework import serializers

from reports.forms import PeriodPreset


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text='Numbers, labels, null (no value) or "< 5" where a small count is hidden.',
    )
    totals = serializers.ListField(child=serializers.JSONField(), allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ReportSerializer(serializers.Serializer):
    title = serializers.CharField()
    scope = serializers.CharField()
    period = PeriodSerializer()
    anonymised = serializers.BooleanField(
        help_text="Small counts and what would reveal them are hidden (national figures)."
    )
    generated_at = serializers.DateTimeField()
    sections = SectionSerializer(many=True)


class ReportFilterSerializer(serializers.Serializer):
    """The dashboards' filters (``reports.forms.ReportFilterForm`` checks them)."""

    period = serializers.ChoiceField(choices=PeriodPreset.choices, required=False)
    start = serializers.DateField(required=False, help_text="With period=custom.")
    end = serializers.DateField(required=False, help_text="With period=custom.")


class AreaReportFilterSerializer(ReportFilterSerializer):
    network = serializers.SlugField(
        required=False, max_length=80, help_text="One of the area's networks (slug)."
    )
