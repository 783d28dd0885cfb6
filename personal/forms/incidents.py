"""The form a member fills in on their personal page to report something
(a member report, "melding"). The rules live in ``messaging.services.reports``;
this form reads input and offers the network's streets."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from messaging.models import IncidentReport
from messaging.services.incidents import INCIDENT_MAX_AGE
from networks.selectors import street_names

_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PHOTO_ACCEPT = ",".join(
    [
        *("image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"),
        *(".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"),
    ]
)


class IncidentReportForm(forms.Form):
    """A member reports something suspicious or a nuisance."""

    category = forms.ChoiceField(label=_("What do you want to report?"))
    happened_at = forms.DateTimeField(
        label=_("When did it happen?"),
        input_formats=[_DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_LOCAL),
        help_text=_("At most 30 days ago."),
    )
    street = forms.ChoiceField(label=_("Where? (street)"))
    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe what you saw or heard, as precisely as you can."),
    )
    person_description = forms.CharField(
        label=_("What the persons did and wore (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        # House rule 6: no descriptions based on appearance or origin.
        help_text=_(
            "Behaviour, clothing, what they carried, which way they went. Not their appearance "
            "or origin: the house rules forbid descriptions based on appearance."
        ),
    )
    vehicle_description = forms.CharField(
        label=_("Description of the vehicle (optional)"),
        required=False,
        help_text=_("Make, model, colour."),
    )
    plate = forms.CharField(label=_("Number plate (optional)"), required=False)
    police_called = forms.BooleanField(label=_("I already called the police"), required=False)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=_("JPEG, PNG, HEIC or WebP, at most 8 MB. Only the police see it."),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose…")), *IncidentReport.Category.choices]
        names = street_names(network=member.network)
        if names:
            self.fields["street"].choices = [("", _("Choose…")), *((n, n) for n in names)]
        else:
            # No street list yet: the member types the street.
            self.fields["street"] = forms.CharField(label=_("Where? (street)"), max_length=120)
        now = timezone.localtime()
        widget = self.fields["happened_at"].widget
        widget.attrs["max"] = now.strftime(_DATETIME_LOCAL)
        widget.attrs["min"] = (now - INCIDENT_MAX_AGE).strftime(_DATETIME_LOCAL)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("What and where"), "category", "happened_at", "street", "description"),
            Fieldset(
                _("Details, if you have them"),
                "person_description",
                "vehicle_description",
                "plate",
                "police_called",
                "photo",
            ),
        )
        self.helper.add_input(Submit("submit", _("Send the report")))
