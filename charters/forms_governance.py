"""Forms of coordinator governance, meetings and BIN signs. The services validate."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from charters.models import Meeting, MeetingRSVP, ScreeningRecord, Sign
from charters.services.meetings import MAX_GUESTS


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


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
        self.helper = _helper(_("Save"))


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
        self.helper = _helper(_("Hand over"))


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
        self.helper = _helper(_("Remove"))


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=300)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class MeetingCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("The meeting"),
        choices=[
            (Meeting.Status.HELD, _("was held")),
            (Meeting.Status.CANCELLED, _("is cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    attendance = forms.IntegerField(
        label=_("People present"), required=False, min_value=0, max_value=100000
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class MeetingInviteForm(forms.Form):
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_sms = forms.BooleanField(label=_("By SMS"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Write the invitation"))

    def clean(self):
        data = super().clean()
        if not data.get("by_email") and not data.get("by_sms"):
            self.add_error("by_email", _("Choose at least one channel."))
        return data


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"), choices=MeetingRSVP.Answer.choices, widget=forms.RadioSelect
    )
    guests = forms.IntegerField(
        label=_("People coming with you"), min_value=0, max_value=MAX_GUESTS, initial=0
    )


class SignForm(forms.Form):
    street = forms.CharField(
        label=_("Street"),
        required=False,
        max_length=120,
        help_text=_("Choose a street of the area or type another place name."),
    )
    house_number = forms.CharField(label=_("Near number"), required=False, max_length=10)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-90, max_value=90, help_text=_("E.g. 50.960000"),
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-180, max_value=180, help_text=_("E.g. 3.840000"),
    )  # fmt: skip
    state = forms.ChoiceField(label=_("State"), choices=Sign.State.choices)
    placed_on = forms.DateField(label=_("Placed on"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, street_list_id: str = "sign-streets", **kwargs):
        super().__init__(*args, **kwargs)
        # A datalist offers the area's streets while still accepting free text.
        self.fields["street"].widget.attrs["list"] = street_list_id
        self.fields["street"].widget.attrs["autocomplete"] = "off"
        self.helper = _helper(_("Save"))
