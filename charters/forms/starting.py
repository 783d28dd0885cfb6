"""Forms of starting a BIN: the public request and interest forms (with a
honeypot, as the sign-up), and the officer's answer to a request."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from charters.selectors.starting import municipalities_for_requests
from members.phones import voice_normalise
from networks.models import LANGUAGE_CODES, Network

_LANGUAGE_NAMES = {"nl": _("Dutch"), "fr": _("French"), "de": _("German"), "en": _("English")}


class _Honeypot(forms.Form):
    # Hidden from people (CSS + aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy note and agree that my details are used as it says"),
        error_messages={"required": _("You need to accept the privacy note to continue.")},
    )

    @property
    def filled_by_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class _MunicipalityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(municipality)s (police zone %(zone)s)") % {
            "municipality": obj.name,
            "zone": obj.police_zone.name,
        }


class StartRequestForm(_Honeypot):
    municipality = _MunicipalityChoice(
        label=_("Municipality"),
        queryset=municipalities_for_requests(),
        empty_label=_("Choose your municipality"),
        help_text=_("Your request goes to the mandated officers of its police zone."),
    )
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to confirm it; only then does the police see your request."),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"), max_length=32, required=False,
        help_text=_("If you would rather be called back."),
    )  # fmt: skip
    street = forms.CharField(label=_("Your street"), max_length=120)
    neighbourhood = forms.CharField(
        label=_("The neighbourhood"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which streets or which part of the municipality would the BIN cover?"),
    )
    motivation = forms.CharField(
        label=_("Why a BIN?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens in the neighbourhood, and who else is interested?"),
    )

    field_order = [
        "municipality", "name", "email", "phone", "street", "neighbourhood", "motivation",
        "accept_privacy", "website",
    ]  # fmt: skip

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        municipality = self.cleaned_data.get("municipality")
        if not raw:
            return ""
        country = municipality.police_zone.country if municipality else "BE"
        return voice_normalise(raw=raw, country=country)

    def submission(self) -> dict:
        skip = {"website", "accept_privacy"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class InterestForm(_Honeypot):
    name = forms.CharField(label=_("Your name"), max_length=120)
    street = forms.CharField(label=_("Your street"), max_length=120)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to confirm it; unconfirmed entries are erased."),
    )
    field_order = ["name", "street", "email", "accept_privacy", "website"]

    def submission(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "street", "email")}


class OpenNetworkForm(forms.Form):
    name = forms.CharField(
        label=_("Network name"), max_length=120, help_text=_("For example BIN Kerkwijk.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Network.Kind.choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[(code, _LANGUAGE_NAMES[code]) for code in LANGUAGE_CODES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The first one ticked is the network's main language."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The resident receives this text by email."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason: the resident receives it."))
        return reason
