"""Forms of coordinator governance: screening, hand-over, removal. The services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.forms.common import DateInput, submit_helper
from charters.models import ScreeningRecord


class ScreeningForm(forms.Form):
    consent_on = forms.DateField(label=_("Consent to the screening given on"), widget=DateInput())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ScreeningRecord.Outcome.choices)
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty while pending."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Save"))


class HandOverForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("New coordinator"), queryset=None)
    previous_stays = forms.TypedChoiceField(
        label=_("The current coordinator"),
        coerce=lambda value: value == "stay",
        choices=[
            ("stay", _("stays in the team as co-coordinator")),
            ("leave", _("leaves the team")),
        ],
        initial="stay",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (for the log)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    accept_unscreened = forms.BooleanField(
        label=_(
            "I know that the new coordinator's screening is not accepted yet; the mandated "
            "officer records it afterwards."
        ),
        required=False,
    )

    def __init__(self, *args, successors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = successors
        self.fields["to_user"].label_from_instance = lambda u: u.get_full_name() or u.email
        self.helper = submit_helper(_("Hand over"))


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    successor = forms.ModelChoiceField(
        label=_("Hand the network over first to"),
        queryset=None,
        required=False,
        empty_label=_("Nobody (the network stays without a coordinator)"),
    )
    accept_unscreened = forms.BooleanField(
        label=_("Hand over even though the successor's screening is not accepted yet."),
        required=False,
    )

    def __init__(self, *args, successors, removing_coordinator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if removing_coordinator and successors.exists():
            self.fields["successor"].queryset = successors
            self.fields["successor"].label_from_instance = lambda u: u.get_full_name() or u.email
        else:
            del self.fields["successor"]
            del self.fields["accept_unscreened"]
        self.helper = submit_helper(_("Remove"))
