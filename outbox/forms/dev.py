"""The development outbox's form: an inbound SMS to simulate (DEBUG only)."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _


class InboundSMSForm(forms.Form):
    from_number = forms.CharField(
        label=_("From (a member's mobile number)"),
        max_length=30,
        widget=forms.TextInput(attrs={"list": "dev-phones", "inputmode": "tel"}),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=1600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example STOP, HULP, AIDE or a reply to an alert."),
    )

    def clean_from_number(self) -> str:
        raw = self.cleaned_data["from_number"].strip()
        try:
            number = phonenumbers.parse(raw, "BE")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Enter a phone number, e.g. +32 470 12 34 56."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
