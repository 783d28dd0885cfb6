"""The dashboards' filters and the municipality's household counts."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from networks.models import Street
from reports.selectors.period import Period

# Longer periods make charts unreadable and cost time for nothing.
MAX_PERIOD_DAYS = 366 * 5
# No network is older; earlier dates only overflow the date arithmetic.
EARLIEST_START = date(2000, 1, 1)


class PeriodPreset:
    LAST_30_DAYS = "last_30_days"
    THIS_YEAR = "this_year"
    LAST_12_MONTHS = "last_12_months"
    CUSTOM = "custom"

    choices = [
        (LAST_30_DAYS, _("Last 30 days")),
        (THIS_YEAR, _("This year")),
        (LAST_12_MONTHS, _("Last 12 months")),
        (CUSTOM, _("From … to …")),
    ]


def preset_period(preset: str, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if preset == PeriodPreset.LAST_30_DAYS:
        return Period(start=today - timedelta(days=29), end=today)
    if preset == PeriodPreset.THIS_YEAR:
        return Period(start=today.replace(month=1, day=1), end=today)
    # Last 12 months: the current month and the eleven before it.
    start = today.replace(day=1)
    for _month in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=start, end=today)


class ReportFilterForm(forms.Form):
    """Period (a preset or two dates) and, where the dashboard covers several
    networks, one of them. Read from the query string, so a filtered view can
    be bookmarked and exported with the same figures."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PeriodPreset.choices,
        required=False,
        initial=PeriodPreset.LAST_12_MONTHS,
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=None,
        required=False,
        empty_label=_("All networks"),
        to_field_name="slug",
    )

    def __init__(self, data=None, *, networks=None, **kwargs):
        # An empty query string is the default view, not a form with errors.
        super().__init__(data if data else None, **kwargs)
        if networks is None:
            del self.fields["network"]
        else:
            self.fields["network"].queryset = networks
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        # Mark fields with errors for assistive technology and Bootstrap.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}-error"

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("period") or ""
        start, end = cleaned.get("start"), cleaned.get("end")
        if preset and preset != PeriodPreset.CUSTOM:
            return cleaned
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if start is None and end is None and not preset:
            return cleaned
        if start is None:
            self.add_error("start", _("Give the first day of the period."))
        if end is None:
            self.add_error("end", _("Give the last day of the period."))
        if start is None or end is None:
            return cleaned
        if start < EARLIEST_START:
            self.add_error(
                "start",
                _("The period cannot start before %(date)s.")
                % {"date": formats.date_format(EARLIEST_START, "SHORT_DATE_FORMAT")},
            )
        elif end < start:
            self.add_error("end", _("The last day must not be before the first."))
        elif end > timezone.localdate():
            self.add_error("end", _("The period cannot end in the future."))
        elif (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error("start", _("Choose a period of at most five years."))
        return cleaned

    def report_period(self) -> Period:
        """The chosen period; the last 12 months when none was chosen."""
        data = self.cleaned_data if self.is_bound else {}
        preset = data.get("period") or ""
        if data.get("start") and data.get("end") and preset in ("", PeriodPreset.CUSTOM):
            return Period(start=data["start"], end=data["end"])
        return preset_period(preset or PeriodPreset.LAST_12_MONTHS)

    def chosen_network(self):
        if not self.is_bound or "network" not in self.fields:
            return None
        return self.cleaned_data.get("network")


class HouseholdCountForm(forms.ModelForm):
    class Meta:
        model = Street
        fields = ["household_count"]
        widgets = {"household_count": forms.NumberInput(attrs={"min": 0, "step": 1})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["household_count"]
        field.widget.attrs["class"] = "form-control form-control-sm"
        field.label = str(self.instance)


HouseholdCountFormSet = forms.modelformset_factory(
    Street, form=HouseholdCountForm, extra=0, can_delete=False
)
