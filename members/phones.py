"""Phone numbers as people type them, stored as E.164.

Residents write "0470 12 34 56", "0470/12.34.56", "0032470123456" or, in a
Dutch network, "06-12345678": the network's country decides how a number
without a country code is read.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_VOICE_TYPES = _MOBILE_TYPES | {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.VOIP,
}


# How a mobile number is written at home in each country, for help texts and
# example files: a Dutch network's form must not show a Belgian number.
_MOBILE_EXAMPLES = {"BE": "0470 12 34 56", "NL": "06 12 34 56 78"}


def mobile_example(*, country: str) -> str:
    """A made-up mobile number as people in ``country`` (BE or NL) write it."""
    return _MOBILE_EXAMPLES.get(country, _MOBILE_EXAMPLES["BE"])


def phone_search_prefix(*, text: str, country: str) -> str:
    """The E.164 start of a number typed as its beginning ("0470", "+32 470",
    "0032 470", "06 12" in a Dutch network), or "" when ``text`` does not
    start like a number: then the digits are matched anywhere."""
    digits = "".join(ch for ch in text if ch.isdigit())
    text = text.strip()
    if text.startswith("+"):
        return f"+{digits}"
    if text.startswith("00"):
        return f"+{digits[2:]}"
    if text.startswith("0") and len(digits) >= 2:
        code = phonenumbers.country_code_for_region(country)
        return f"+{code}{digits[1:]}"
    return ""


def phone_parse(*, raw: str, country: str) -> phonenumbers.PhoneNumber:
    """Parse a number typed by a person; ``country`` is the network's (BE or NL).

    Raises ValidationError with a message fit to show next to the field.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="required")
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number we can read."), params={"value": text},
            code="invalid",
        ) from exc  # fmt: skip
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."), params={"value": text}, code="invalid"
        )
    return number


def phone_to_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile_normalise(*, raw: str, country: str) -> str:
    """A mobile number in E.164, for SMS. Landlines are refused."""
    number = phone_parse(raw=raw, country=country)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(
            _("This is not a mobile number: text messages need a mobile phone."),
            code="not_mobile",
        )
    return phone_to_e164(number)


def voice_normalise(*, raw: str, country: str) -> str:
    """A number that can take a voice call (landline or mobile), in E.164."""
    number = phone_parse(raw=raw, country=country)
    if phonenumbers.number_type(number) not in _VOICE_TYPES:
        raise ValidationError(_("This number cannot receive voice calls."), code="not_voice")
    return phone_to_e164(number)
