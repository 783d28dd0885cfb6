"""Forms of the staff's side of members' incident reports: filtering a
network's list and triage. The rules live in ``messaging.services.incidents``;
these forms read input and offer what fits (next statuses)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import IncidentReport
from messaging.services.incidents import FEEDBACK_MAX_LENGTH


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *IncidentReport.Status.choices]
        self.fields["category"].choices = [("", _("All")), *IncidentReport.Category.choices]


class IncidentTriageForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))
    feedback = forms.CharField(
        label=_("Feedback to the reporter (optional)"),
        required=False,
        max_length=FEEDBACK_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Sent to the reporter by email, or by SMS if they have no email address. "
            "Write nothing the reporter should not know about others."
        ),
    )

    def __init__(self, *args, report: IncidentReport, next_statuses: list[str], **kwargs):
        kwargs.setdefault("initial", {"status": next_statuses[0] if next_statuses else ""})
        super().__init__(*args, **kwargs)
        labels = dict(IncidentReport.Status.choices)
        current = (report.status, _("%(status)s (unchanged)") % {"status": labels[report.status]})
        self.fields["status"].choices = [*((s, labels[s]) for s in next_statuses), current]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))
