"""The contact details forms of a member's personal page. The rules (phone
numbers of the network's country, the area's streets, proofs, limits) live in
``members.services.contact_changes``; these forms only read input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.phones import mobile_example


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        required=False,
        help_text=_(
            "We send a link to this address; it is used once you open the link. "
            "Leave empty to remove your address."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class MobileChangeForm(forms.Form):
    mobile_phone = forms.CharField(
        label=_("New mobile number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile_phone"].help_text = _(
            "As you would dial it, e.g. %(example)s. We send a code to this number by SMS. "
            "Leave empty to remove your number."
        ) % {"example": mobile_example(country=member.network.country)}


class LandlineChangeForm(forms.Form):
    landline = forms.CharField(
        label=_("New landline"),
        max_length=30,
        required=False,
        help_text=_("Used at once, for alerts by voice call. Leave empty to remove it."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class AddressChangeForm(forms.Form):
    street = forms.CharField(
        label=_("Street"),
        max_length=120,
        widget=forms.TextInput(attrs={"list": "network-streets", "autocomplete": "off"}),
    )
    house_number = forms.CharField(
        label=_("House number"), max_length=12, help_text=_("For example 12 or 12A.")
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    # Shown once the address turned out to lie outside the area.
    outside_confirmed = forms.BooleanField(
        label=_("My address is right: let the coordinator decide whether I stay a member"),
        required=False,
    )


class ContactCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )
