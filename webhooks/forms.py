"""The form to register a webhook endpoint. The checks of the target live in
``webhooks.targets`` (called by the service)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from networks.models import PoliceZone
from webhooks.models import Event


class EndpointForm(forms.Form):
    police_zone = forms.ModelChoiceField(
        label=_("Police zone"), queryset=PoliceZone.objects.none(), empty_label=None
    )
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The receiver's https:// address. Private and internal addresses are refused."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=120,
        required=False,
        help_text=_("Which system this is, e.g. the zone's dispatch."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, zones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_zone"].queryset = zones
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Register")))
