"""The public sign-up form and the SMS code form."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.hooks import channel_reach, house_rules_current
from members.models import DEAF_VOICE_ERROR, Language, Relation
from members.phones import mobile_example, mobile_normalise, voice_normalise
from networks.models import Network
from networks.selectors import address_in_area, street_names

ADULT_AGE = 18
_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


APPLICANT_BUSINESS, APPLICANT_RESIDENT = "business", "resident"


def company_number_normalise(raw: str) -> str:
    """A Belgian enterprise number (0123.456.789) or a Dutch KvK number (8 digits),
    as digits only."""
    text = re.sub(r"[\s.\-/]", "", raw or "").upper()
    if text.startswith(("BE", "NL")):
        text = text[2:]
    if re.fullmatch(r"[01][0-9]{9}", text) or re.fullmatch(r"[0-9]{8}", text):
        return text
    raise ValidationError(
        _("Enter a Belgian enterprise number (0123.456.789) or a Dutch KvK number (8 digits)."),
        code="invalid",
    )


def adult_since(birth_date: date) -> date:
    """The day someone born on ``birth_date`` turns 18 (29 February: 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + ADULT_AGE)
    except ValueError:
        return date(birth_date.year + ADULT_AGE, 3, 1)


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    street = forms.ChoiceField(label=_("Street"))
    house_number = forms.CharField(
        label=_("House number"), max_length=12, help_text=_("For example 12 or 12A.")
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to confirm it. Needed even if you choose SMS only."),
    )
    mobile_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        help_text="",  # with the network's country's example, in __init__
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    landline = forms.CharField(
        label=_("Landline (optional)"),
        max_length=30,
        required=False,
        help_text=_("Only for alerts by voice call."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices)
    by_sms = forms.BooleanField(label=_("By SMS"), required=False, initial=True)
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_voice = forms.BooleanField(label=_("By voice call"), required=False)
    deaf = forms.BooleanField(
        label=_("I am deaf or hard of hearing"),
        required=False,
        help_text=_(
            "We never call you then, and our texts tell you how to reach the emergency "
            "services without phoning."
        ),
    )
    # Shown (with its error) only when the chosen channels carry no urgent alerts.
    without_urgent = forms.BooleanField(
        label=_("Sign me up anyway, without urgent alerts"), required=False
    )
    adult = forms.BooleanField(label=_("I am 18 or older"), required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth (optional)"),
        required=False,
        input_formats=_DATE_FORMATS,
        help_text=_("Instead of ticking the box above."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    relation = forms.ChoiceField(label=_("Your link with the area"), choices=Relation.choices)
    # BIN-Z only: seed 002, "Burgers uit een commerciële buurt kunnen ook
    # betrokken worden": residents of a business area join too.
    applicant = forms.ChoiceField(
        label=_("You join as"),
        choices=[
            (APPLICANT_BUSINESS, _("A business in the area")),
            (APPLICANT_RESIDENT, _("A resident of the area")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you join as a business or as a resident.")},
    )
    business_name = forms.CharField(
        label=_("Business name (businesses only)"), max_length=120, required=False
    )
    company_number = forms.CharField(
        label=_("Company number (businesses only)"),
        max_length=20,
        required=False,
        help_text=_("Belgian enterprise number (0123.456.789) or Dutch KvK number."),
    )
    accept_house_rules = forms.BooleanField(
        error_messages={"required": _("You need to accept the house rules to join.")}
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data is used as it describes"),
        error_messages={"required": _("You need to accept the privacy notice to join.")},
    )
    # Honeypot: hidden from people (CSS + aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, network: Network, language: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["mobile_phone"].help_text = _(
            "As you would dial it, e.g. %(example)s. Needed for SMS alerts."
        ) % {"example": mobile_example(country=network.country)}
        self.house_rules = house_rules_current(network=network)
        # What each channel carries under the network's plan; after a post,
        # with the member's choice marked (``clean``).
        self.reach = channel_reach(network=network, chosen=())
        self.fields["street"].choices = [("", _("Choose your street"))] + [
            (name, name) for name in street_names(network=network)
        ]
        offered = network.languages or [network.default_language]
        self.fields["language"].initial = (
            language if language in offered else network.default_language
        )
        self.fields["accept_house_rules"].label = _(
            "I accept the house rules (version %(version)s)"
        ) % {"version": self.house_rules.version}
        if network.kind != Network.Kind.BINZ:
            del self.fields["applicant"]
            del self.fields["business_name"]
            del self.fields["company_number"]

    @property
    def filled_by_bot(self) -> bool:
        """The honeypot was filled in: people never see it, bots fill in every field."""
        return bool(self.cleaned_data.get("website"))

    def submission(self) -> dict:
        """The checked values as ``signup_submit``'s keyword arguments, without
        the honeypot, the "without urgent alerts" confirmation and the BIN-Z
        business-or-resident question (a resident has no business name)."""
        skip = {"website", "without_urgent", "applicant"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}

    @property
    def is_binz(self) -> bool:
        return "business_name" in self.fields

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_mobile_phone(self) -> str:
        raw = self.cleaned_data["mobile_phone"]
        return mobile_normalise(raw=raw, country=self.network.country) if raw else ""

    def clean_landline(self) -> str:
        raw = self.cleaned_data["landline"]
        return voice_normalise(raw=raw, country=self.network.country) if raw else ""

    def clean_postcode(self) -> str:
        return self.cleaned_data["postcode"].upper()

    def clean_company_number(self) -> str:
        raw = self.cleaned_data["company_number"]
        return company_number_normalise(raw) if raw else ""

    def clean_date_of_birth(self) -> date | None:
        born = self.cleaned_data["date_of_birth"]
        if born is None:
            return None
        today = timezone.localdate()
        if born > today:
            raise ValidationError(_("This date lies in the future."), code="future")
        if born.year < today.year - 120:
            raise ValidationError(_("Check the year of this date."), code="too_old")
        if adult_since(born) > today:
            raise ValidationError(
                _("Members must be 18 or older: you cannot join yet."), code="minor"
            )
        return born

    def clean(self) -> dict:
        data = super().clean()
        if self.is_binz:
            if data.get("applicant") == APPLICANT_BUSINESS:
                if not data.get("business_name") and "business_name" not in self.errors:
                    self.add_error("business_name", _("Enter the name of your business."))
                if not data.get("company_number") and "company_number" not in self.errors:
                    self.add_error("company_number", _("Enter your business's company number."))
            elif data.get("applicant") == APPLICANT_RESIDENT:
                data["business_name"] = data["company_number"] = ""
        by_sms, by_email, by_voice = (data.get(n) for n in ("by_sms", "by_email", "by_voice"))
        if not (by_sms or by_email or by_voice):
            self.add_error("by_sms", _("Choose at least one way to receive messages."))
        if by_sms and not data.get("mobile_phone") and "mobile_phone" not in self.errors:
            self.add_error(
                "mobile_phone", _("Text messages need a mobile number. Enter one or untick SMS.")
            )
        if (
            by_voice
            and not (data.get("landline") or data.get("mobile_phone"))
            and not {"landline", "mobile_phone"} & set(self.errors)
        ):
            self.add_error(
                "landline", _("Voice calls need a landline or a mobile number. Enter one.")
            )
        if by_voice and data.get("deaf"):
            self.add_error("by_voice", DEAF_VOICE_ERROR)
        self._check_reach(data)
        if (
            not data.get("adult")
            and not data.get("date_of_birth")
            and "date_of_birth" not in self.errors
        ):
            self.add_error(
                "adult", _("Confirm that you are 18 or older, or give your date of birth.")
            )
        if all(data.get(n) for n in ("street", "house_number", "postcode")):
            problems = address_in_area(
                network=self.network,
                street=data["street"],
                house_number=data["house_number"],
                postcode=data["postcode"],
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return data

    def _check_reach(self, data: dict) -> None:
        """Warn (and ask to confirm) when no chosen channel carries urgent
        alerts under the network's communication plan: such a member would
        silently miss them."""
        chosen = [
            channel
            for channel, ok in (
                ("sms", data.get("by_sms") and data.get("mobile_phone")),
                ("email", data.get("by_email") and data.get("email")),
                (
                    "voice",
                    data.get("by_voice")
                    and not data.get("deaf")
                    and (data.get("landline") or data.get("mobile_phone")),
                ),
            )
            if ok
        ]
        self.reach = channel_reach(network=self.network, chosen=chosen)
        if self.reach is None or self.reach.urgent_reached or not chosen:
            return
        if not data.get("without_urgent"):
            self.add_error(
                "without_urgent",
                _(
                    "Urgent alerts of %(network)s go only by: %(channels)s. With your choice you "
                    "would not receive them. Add one of these channels, or tick this box."
                )
                % {"network": self.network.name, "channels": ", ".join(self.reach.urgent_channels)},
            )


class SignupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(_("Enter the 6 digits from the SMS."), code="invalid")
        return code
