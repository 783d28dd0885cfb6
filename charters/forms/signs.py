"""The form of a BIN sign in the municipality's registry. The services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.forms.common import DateInput, submit_helper
from charters.models import Sign


class StreetSignForm(forms.Form):
    """One BIN sign in the street: where it stands and its state."""

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
        self.helper = submit_helper(_("Save"))
