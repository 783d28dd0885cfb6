"""Forms of meetings: planning, closing, inviting, and a member's answer
(RSVP). The services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.forms.common import DateTimeInput, submit_helper
from charters.models import Meeting, MeetingRSVP
from charters.services.meetings import MAX_GUESTS


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=300)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Save"))


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
        self.helper = submit_helper(_("Save"))


class MeetingInviteForm(forms.Form):
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_sms = forms.BooleanField(label=_("By SMS"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Write the invitation"))

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
