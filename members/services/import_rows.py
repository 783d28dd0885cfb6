"""Reading a member list's columns and checking its rows.

The header names people use (English, Dutch, French) map to the import's
columns; each row is checked the way ``member_create`` would check it, without
a query per row. Used by the import services (members/services/imports.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from members.models import Language, Member, Relation
from members.phones import mobile_normalise, voice_normalise
from networks.models import Network
from networks.selectors import address_in_area

# The columns of the import, in the order of the example file and the error report.
IMPORT_COLUMNS = (
    "first_name",
    "last_name",
    "street",
    "house_number",
    "postcode",
    "email",
    "mobile_phone",
    "landline",
    "language",
    "channels",
    "relation",
    "business_name",
    "company_number",
)
REQUIRED_COLUMNS = ("first_name", "last_name", "street", "house_number", "postcode")
CONTACT_COLUMNS = ("email", "mobile_phone", "landline")
# Columns of our own error report, skipped without comment when it comes back corrected.
_REPORT_COLUMNS = frozenset({"line", "errors"})

# Header names people use, after _fold (lower case, no accents, words
# separated by one space). English, Dutch and French.
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "forename", "voornaam", "prenom"),
    "last_name": (
        "last name", "lastname", "surname", "family name", "achternaam", "familienaam",
        "naam", "nom", "nom de famille",
    ),
    "street": ("street", "street name", "straat", "straatnaam", "rue", "nom de rue"),
    "house_number": (
        "house number", "housenumber", "number", "no", "nr", "n", "huisnummer", "huisnr",
        "nummer", "numero", "num", "numero de maison",
    ),
    "postcode": (
        "postcode", "post code", "postal code", "zip", "zip code", "zipcode", "code postal", "cp",
    ),
    "email": (
        "email", "e mail", "mail", "email address", "e mail address", "emailadres",
        "e mailadres", "mailadres", "adresse email", "adresse e mail", "courriel",
    ),
    "mobile_phone": (
        "mobile", "mobile phone", "mobile number", "mobile phone number", "cell phone", "gsm",
        "gsm nummer", "gsmnummer", "mobiel", "mobiel nummer", "mobiele telefoon", "portable",
        "telephone portable", "numero de portable", "numero gsm",
    ),
    "landline": (
        "landline", "landline phone", "phone", "telephone", "tel", "vaste lijn",
        "vaste telefoon", "telefoon", "telefoonnummer", "fixe", "telephone fixe", "ligne fixe",
    ),
    "language": ("language", "preferred language", "taal", "voorkeurtaal", "langue"),
    "channels": ("channels", "channel", "kanalen", "kanaal", "canaux", "canal"),
    "relation": ("relation", "relation to the area", "relatie"),
    "business_name": (
        "business name", "business", "company name", "bedrijf", "bedrijfsnaam", "handelsnaam",
        "entreprise", "nom de l entreprise", "societe", "raison sociale",
    ),
    "company_number": (
        "company number", "enterprise number", "ondernemingsnummer", "kbo", "kbo nummer", "kvk",
        "kvk nummer", "numero d entreprise", "numero bce", "bce",
    ),
}  # fmt: skip
_HEADER_LOOKUP = {
    alias: field
    for field, aliases in _HEADER_ALIASES.items()
    for alias in (*aliases, field.replace("_", " "))
}

_LANGUAGE_WORDS = {
    Language.DUTCH: ("nl", "nederlands", "dutch", "neerlandais", "vlaams", "nl be", "nl nl"),
    Language.FRENCH: ("fr", "frans", "french", "francais", "fr be"),
    Language.GERMAN: ("de", "duits", "german", "deutsch", "allemand"),
    Language.ENGLISH: ("en", "engels", "english", "anglais"),
}
_CHANNEL_WORDS = {
    "sms": ("sms", "text", "tekst", "texto"),
    "email": ("email", "e mail", "mail", "courriel"),
    "voice": ("voice", "call", "voice call", "spraak", "oproep", "telefoon", "vocal", "appel"),
}
_RELATION_WORDS = {
    Relation.LIVES: ("lives", "live", "woont", "wonen", "bewoner", "habite", "resident"),
    Relation.WORKS: ("works", "work", "werkt", "werken", "travaille", "business", "zaak"),
    Relation.BOTH: ("both", "beide", "beiden", "les deux", "woont en werkt"),
}


def _fold(text: str) -> str:
    """Lower case without accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


def _words_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: str(key) for key, words in table.items() for word in words}


_LANGUAGE_LOOKUP = _words_lookup(_LANGUAGE_WORDS)
_CHANNEL_LOOKUP = _words_lookup(_CHANNEL_WORDS)
_RELATION_LOOKUP = _words_lookup(_RELATION_WORDS)


def import_field_label(field: str) -> str:
    """The translated name of an import column, for tables and reports."""
    if field == "channels":
        return _("channels")
    if field == "__all__":
        return _("row")
    if field == "line":
        return _("line")
    if field == "errors":
        return _("errors")
    try:
        return str(Member._meta.get_field(field).verbose_name)
    except Exception:  # an unknown key in stored rows must not break a page
        return field


def column_labels(fields) -> list[str]:
    """The header of our own files (export, example file, error report): each
    column's translated name in the active language; ``header_map`` reads it
    back in every language."""
    return [import_field_label(field) for field in fields]


# Columns our export or error report writes that an import does not take:
# skipped without comment, so a file exported and imported again reads cleanly.
_OWN_COLUMNS = frozenset({*_REPORT_COLUMNS, "status", "approved_at"})


@functools.cache
def _own_headers() -> dict[str, str]:
    """Each column's translated name in every language of the site, folded:
    what ``column_labels`` writes, whatever language the file was made in."""
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for field in (*IMPORT_COLUMNS, *_OWN_COLUMNS):
                lookup.setdefault(_fold(import_field_label(field)), field)
    return lookup


def _header_field(name: str) -> str | None:
    folded = _fold(name)
    return _HEADER_LOOKUP.get(folded) or _own_headers().get(folded)


def header_looks_like(texts: list[str]) -> bool:
    fields = {_header_field(text) for text in texts} - {None}
    return len(fields - _OWN_COLUMNS) >= 3


def header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index per field, and the header names that were not recognised."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        field = _header_field(name)
        if field in _OWN_COLUMNS:
            continue
        if field and field not in columns:
            columns[field] = index
        elif name:
            ignored.append(name)
    missing = [field for field in REQUIRED_COLUMNS if field not in columns]
    if len(missing) == len(REQUIRED_COLUMNS):
        raise ValidationError(
            _(
                "The first row of the file must name the columns (first name, last name, "
                "street, house number, postcode, email, mobile, …); none of them was found. "
                "Download the example file to see the layout."
            ),
            code="no_header",
        )
    if missing:
        raise ValidationError(
            _("These columns are missing: %(columns)s."),
            params={"columns": ", ".join(import_field_label(f) for f in missing)},
            code="missing_columns",
        )
    if not {"email", "mobile_phone"} & set(columns):
        raise ValidationError(
            _("The file needs a column with the email address or the mobile number."),
            code="missing_columns",
        )
    return columns, ignored


# --- checking one row --------------------------------------------------------


class RowChecker:
    """Checks rows the way member_create would, without a query per row.

    ``hide_existing`` (privacy mode): an email address or mobile number a
    member already has is not an error, since the preview would confirm it;
    ``import_commit`` leaves such rows out and tells the member instead."""

    def __init__(self, *, network: Network, hide_existing: bool = False) -> None:
        self.network = network
        self.streets = list(network.streets.all())
        self.seen_email: dict[str, int] = {}
        self.seen_mobile: dict[str, int] = {}
        self.existing_email: set[str] = set()
        self.existing_mobile: set[str] = set()
        # Every status counts: the database refuses a second row with the same
        # address in a network. Members who left have their contact erased.
        existing = Member.objects.filter(network=network)
        if hide_existing:
            existing = existing.none()
        for email, mobile in existing.values_list("email", "mobile_phone"):
            if email:
                self.existing_email.add(email.lower())
            if mobile:
                self.existing_mobile.add(str(getattr(mobile, "as_e164", mobile)))

    def check(self, *, line: int, raw: dict[str, str]) -> dict:
        values: dict = {}
        errors: dict[str, list[str]] = {}

        def fail(field: str, message: str) -> None:
            errors.setdefault(field, []).append(str(message))

        for field in ("first_name", "last_name", "street", "house_number", "postcode"):
            values[field] = raw.get(field, "")
            if not values[field]:
                fail(field, _("This field is required."))
        values["postcode"] = values["postcode"].upper()
        values["business_name"] = raw.get("business_name", "")
        values["company_number"] = raw.get("company_number", "")

        if not errors.keys() & {"street", "house_number", "postcode"}:
            for field, message in address_in_area(
                network=self.network,
                street=values["street"],
                house_number=values["house_number"],
                postcode=values["postcode"],
            ).items():
                fail(field, message)
            wanted = values["street"].casefold()
            canonical = [s.name for s in self.streets if s.name.casefold() == wanted]
            if canonical:
                values["street"] = canonical[0]

        email = raw.get("email", "").lower()
        values["email"] = email
        if email:
            if email in self.seen_email:
                fail("email", _("Same email address as line %(line)s.") % {
                    "line": self.seen_email[email]
                })  # fmt: skip
            elif email in self.existing_email:
                fail("email", _("A member of this network already has this email address."))
            self.seen_email.setdefault(email, line)

        for field, normalise in (("mobile_phone", mobile_normalise), ("landline", voice_normalise)):
            text = raw.get(field, "")
            values[field] = text
            if not text:
                continue
            try:
                values[field] = normalise(raw=text, country=self.network.country)
            except ValidationError as exc:
                for message in exc.messages:
                    fail(field, message)
        mobile = values["mobile_phone"] if "mobile_phone" not in errors else ""
        if mobile:
            if mobile in self.seen_mobile:
                fail("mobile_phone", _("Same mobile number as line %(line)s.") % {
                    "line": self.seen_mobile[mobile]
                })  # fmt: skip
            elif mobile in self.existing_mobile:
                fail("mobile_phone", _("A member of this network already has this mobile number."))
            self.seen_mobile.setdefault(mobile, line)
        if not raw.get("email") and not raw.get("mobile_phone"):
            fail("email", _("Give an email address or a mobile number."))

        values["language"] = self._choice(
            raw, "language", _LANGUAGE_LOOKUP, self.network.default_language, fail,
            _("Unknown language “%(value)s”; use nl, fr, de or en."),
        )  # fmt: skip
        values["relation"] = self._choice(
            raw, "relation", _RELATION_LOOKUP, Relation.LIVES.value, fail,
            _("Unknown relation “%(value)s”; use lives, works or both."),
        )  # fmt: skip
        values["channels"] = self._channels(raw, values, errors, fail)

        # Lengths and formats exactly as the model will check them.
        candidate = Member(
            network=self.network,
            **{f: values[f] for f in IMPORT_COLUMNS if f != "channels" and f not in errors},
        )
        try:
            candidate.clean_fields(exclude={"network", *errors})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    fail(field, message)

        row = {"line": line, "values": values, "errors": errors}
        if errors:
            row["raw"] = {field: raw.get(field, "") for field in IMPORT_COLUMNS}
        return row

    @staticmethod
    def _choice(raw, field, lookup, default, fail, message) -> str:
        text = raw.get(field, "")
        if not text:
            return default
        value = lookup.get(_fold(text))
        if value is None:
            fail(field, message % {"value": text})
            return text
        return value

    @staticmethod
    def _channels(raw, values, errors, fail) -> list[str]:
        text = raw.get("channels", "")
        if not text:
            # Nothing said: every channel the member gave a usable address for.
            return [
                channel
                for channel, field in (("sms", "mobile_phone"), ("email", "email"))
                if values[field] and field not in errors
            ]
        chosen: list[str] = []
        for word in re.split(r"[,;/|+&\s]+", text):
            if not word or word.casefold() in ("and", "en", "et"):
                continue
            channel = _CHANNEL_LOOKUP.get(_fold(word))
            if channel is None:
                fail("channels", _("Unknown channel “%(value)s”; use sms, email or voice.") % {
                    "value": word.strip()
                })  # fmt: skip
            elif channel not in chosen:
                chosen.append(channel)
        needs = {
            "sms": (values["mobile_phone"], _("SMS needs a mobile number.")),
            "email": (values["email"], _("Email needs an email address.")),
            "voice": (
                values["landline"] or values["mobile_phone"],
                _("Voice calls need a landline or mobile number."),
            ),
        }
        for channel in chosen:
            present, message = needs[channel]
            if not present:
                fail("channels", message)
        return chosen
