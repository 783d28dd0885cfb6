"""Member lists in and out: CSV/XLSX import with a preview, and export.

An upload is read and checked row by row into a ``MemberImport`` in status
"preview"; nothing is created until the coordinator confirms. Confirming
creates every valid row in one transaction, or nothing at all.

After an import (or a failed confirmation) ``MemberImport.rows`` keeps only
the rows with errors, each with the values as they were in the file
(``raw``), so the error report stays downloadable while the data of people
who did get imported is no longer duplicated there. Cancelling clears all
rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bin_platform.spreadsheets import csv_safe, xlsx_cell
from charters.selectors.charter import house_rules_current
from members.models import (
    AuditEntry,
    ConsentRecord,
    Language,
    Member,
    MemberImport,
    Relation,
    Source,
)
from members.phones import mobile_normalise, voice_normalise
from members.services.core import audit_log, member_create, member_welcome_send
from networks.models import Network
from networks.selectors import address_in_area

__all__ = [
    "EXPORT_COLUMNS",
    "IMPORT_COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "contact_mask",
    "export_csv_stream",
    "export_xlsx_content",
    "import_cancel",
    "import_commit",
    "import_error_report",
    "import_field_label",
    "import_preview",
    "import_recent",
    "import_template_csv",
    "member_export_log",
    "member_export_rows",
]

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
# Blank lines count towards this, so a sheet with one cell in row 1,000,000
# is refused instead of being walked through.
_MAX_LINES = MAX_IMPORT_ROWS * 3
_MAX_COLUMNS = 60
_MAX_CELL_CHARS = 300

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
_REQUIRED = ("first_name", "last_name", "street", "house_number", "postcode")
_CONTACT = ("email", "mobile_phone", "landline")
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

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"\s+")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


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
    try:
        return str(Member._meta.get_field(field).verbose_name)
    except Exception:  # an unknown key in stored rows must not break a page
        return field


# --- reading the file ------------------------------------------------------


def _unreadable(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    text = _CONTROL_RE.sub("", str(value))
    return _SPACE_RE.sub(" ", text).strip()[:_MAX_CELL_CHARS]


def _read_bytes(uploaded_file) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise _too_big()
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_big()
    if not data.strip():
        raise _unreadable(_("The file is empty."), code="empty")
    return data


def _too_big() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(size)s MB. Split the list into smaller files."),
        params={"size": MAX_IMPORT_BYTES // (1024 * 1024)},
        code="too_big",
    )


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(rows)s rows. Split the list into smaller files."),
        params={"rows": f"{MAX_IMPORT_ROWS:,}"},
        code="too_many_rows",
    )


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _not_text() from exc
    if b"\x00" in data:
        raise _not_text()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves CSV in the ANSI code page.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _not_text() from exc


def _not_text() -> ValidationError:
    return _unreadable(
        _(
            "This file cannot be read as a CSV file. Save the list from your spreadsheet "
            "as “CSV (comma or semicolon separated)” or as an Excel workbook (.xlsx)."
        )
    )


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes "sep=;" above the header when asked to name the separator.
    hint = first_line.strip().lower()
    if hint.startswith("sep=") and len(hint) == 5:
        delimiter = hint[4]
    else:
        # The header names hold no separators, so the most frequent candidate wins.
        delimiter = max((";", "\t", ","), key=lambda d: (first_line.count(d), d == ","))
        hint = ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if hint and [c.strip().lower() for c in cells if c.strip()] == [hint[:4]]:
                hint = ""  # the "sep=" line itself; with ";" the reader splits it
                continue
            yield line, cells[:_MAX_COLUMNS]
    except csv.Error as exc:
        # A quote that is never closed, or a cell longer than the csv module allows.
        raise ValidationError(
            _("Row %(line)s of the file cannot be read: check its quotes."),
            params={"line": line + 1},
            code="invalid",
        ) from exc


# An .xlsx is a zip: a small upload can unpack to gigabytes of XML.
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024


def _xlsx_unpacked_size_check(data: bytes) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_xlsx() from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ValidationError(
            _("This workbook is too large once unpacked. Save it as CSV and upload that."),
            code="too_large",
        )


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    import openpyxl

    _xlsx_unpacked_size_check(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl fails on a damaged workbook with anything from KeyError to
        # XML errors; all of them mean the same to the person uploading.
        raise _not_xlsx() from exc
    try:
        if not workbook.worksheets:
            raise _not_xlsx()
        sheet = workbook.worksheets[0]
        if (sheet.max_row or 0) > _MAX_LINES:
            raise _too_many_rows()
        rows = sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS)
        for line, cells in enumerate(rows, start=1):
            yield line, list(cells)
    except ValidationError:
        raise
    except Exception as exc:
        raise _not_xlsx() from exc
    finally:
        workbook.close()


def _not_xlsx() -> ValidationError:
    return _unreadable(
        _("This file cannot be read as an Excel workbook (.xlsx). Open it in your spreadsheet "
          "and save it again as .xlsx or as CSV.")
    )  # fmt: skip


def _table(*, uploaded_file) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and the non-blank data rows as (line number, cells)."""
    name = (getattr(uploaded_file, "name", "") or "").lower()
    extension = os.path.splitext(name)[1]
    if extension == ".xls":
        raise _unreadable(
            _("Old Excel files (.xls) cannot be read. Save the list as .xlsx or as CSV."),
            code="xls",
        )
    if extension not in (".csv", ".txt", ".xlsx"):
        raise _unreadable(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."), "type")
    data = _read_bytes(uploaded_file)
    if data.startswith(_OLE_MAGIC):
        raise _unreadable(
            _("Old Excel files (.xls) cannot be read. Save the list as .xlsx or as CSV."),
            code="xls",
        )
    if data.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise _not_xlsx()
        source = _xlsx_lines(data)
    elif extension == ".xlsx":
        raise _not_xlsx()
    else:
        source = _csv_lines(data)

    rows: list[tuple[int, list[str]]] = []
    for line, cells in source:
        if line > _MAX_LINES:
            raise _too_many_rows()
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        rows.append((line, texts))
        # One more than the limit is allowed for the header row.
        if len(rows) > MAX_IMPORT_ROWS + 1:
            raise _too_many_rows()
    if not rows:
        raise _unreadable(_("The file is empty."), code="empty")
    # Lists often start with a title ("Members of ...") above the column names.
    start = next(
        (i for i, (_line, texts) in enumerate(rows[:_HEADER_SEARCH]) if _looks_like_header(texts)),
        0,
    )
    if len(rows) - start - 1 > MAX_IMPORT_ROWS:
        raise _too_many_rows()
    return rows[start][1], rows[start + 1 :]


_HEADER_SEARCH = 10


def _looks_like_header(texts: list[str]) -> bool:
    return len({_HEADER_LOOKUP.get(_fold(text)) for text in texts} - {None}) >= 3


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index per field, and the header names that were not recognised."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        field = _HEADER_LOOKUP.get(_fold(name))
        if field and field not in columns:
            columns[field] = index
        elif name and _fold(name) not in _REPORT_COLUMNS:
            ignored.append(name)
    missing = [field for field in _REQUIRED if field not in columns]
    if len(missing) == len(_REQUIRED):
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


class _RowChecker:
    """Checks rows the way member_create would, without a query per row."""

    def __init__(self, *, network: Network) -> None:
        self.network = network
        self.streets = list(network.streets.all())
        self.seen_email: dict[str, int] = {}
        self.seen_mobile: dict[str, int] = {}
        self.existing_email: set[str] = set()
        self.existing_mobile: set[str] = set()
        # Every status counts: the database refuses a second row with the same
        # address in a network. Members who left have their contact erased.
        for email, mobile in Member.objects.filter(network=network).values_list(
            "email", "mobile_phone"
        ):
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


# --- import services -----------------------------------------------------------


def import_preview(*, network: Network, uploaded_file, created_by) -> MemberImport:
    """Read an uploaded CSV or XLSX member list and check every row.

    Returns a ``MemberImport`` in status preview; nothing else is stored.
    Raises ValidationError with one message about the whole file when it
    cannot be read (wrong type, too large, missing columns, ...). The
    returned object carries ``ignored_columns`` (not stored): header names
    that were not recognised.
    """
    header, lines = _table(uploaded_file=uploaded_file)
    columns, ignored = _header_map(header)
    if not lines:
        raise ValidationError(_("The file names the columns but holds no members."), "no_rows")
    network = Network.objects.prefetch_related("streets").get(pk=network.pk)
    checker = _RowChecker(network=network)
    rows = []
    for line, cells in lines:
        raw = {field: (cells[i] if i < len(cells) else "") for field, i in columns.items()}
        rows.append(checker.check(line=line, raw=raw))
    valid = sum(1 for row in rows if not row["errors"])
    filename = os.path.basename(str(getattr(uploaded_file, "name", "") or "upload"))
    member_import = MemberImport.objects.create(
        network=network,
        created_by=created_by,
        filename=_CONTROL_RE.sub("", filename)[:200],
        rows=rows,
        valid_count=valid,
        error_count=len(rows) - valid,
    )
    member_import.ignored_columns = ignored
    logger.info(
        "member import %s: %s valid and %s invalid rows for network %s",
        member_import.pk, valid, len(rows) - valid, network.pk,
    )  # fmt: skip
    return member_import


class _RowFailed(Exception):
    def __init__(self, *, line: int, errors: dict[str, list[str]]) -> None:
        super().__init__(line)
        self.line = line
        self.errors = errors


def _taken_since_preview(*, network: Network, rows: list[dict]) -> None:
    """Raise _RowFailed for the first row whose email or mobile number a member
    of the network got since the preview: two queries for the whole batch."""
    emails = {row["values"].get("email") for row in rows} - {""}
    mobiles = {row["values"].get("mobile_phone") for row in rows} - {""}
    members = Member.objects.filter(network=network)
    taken_email = set(members.filter(email__in=emails).values_list("email", flat=True))
    taken_mobile = {
        str(m)
        for m in members.filter(mobile_phone__in=mobiles).values_list("mobile_phone", flat=True)
    }
    for row in rows:
        if row["values"].get("email") in taken_email:
            raise _RowFailed(
                line=row["line"],
                errors={"email": [_("A member of this network already has this email address.")]},
            )
        if row["values"].get("mobile_phone") in taken_mobile:
            raise _RowFailed(
                line=row["line"],
                errors={
                    "mobile_phone": [_("A member of this network already has this mobile number.")]
                },
            )


def _create_arguments(values: dict) -> dict:
    channels = set(values.get("channels") or [])
    arguments = {field: values.get(field, "") for field in IMPORT_COLUMNS if field != "channels"}
    arguments.update(
        by_sms="sms" in channels, by_email="email" in channels, by_voice="voice" in channels
    )
    return arguments


def _constraint_messages() -> dict[str, tuple[str, str]]:
    """Django's generic message of each unique constraint → field and our wording.

    The model's unique constraints only say "Constraint “…” is violated";
    the preview words the same problem for people.
    """
    ours = {
        "member_unique_email_per_network": (
            "email",
            _("A member of this network already has this email address."),
        ),
        "member_unique_mobile_per_network": (
            "mobile_phone",
            _("A member of this network already has this mobile number."),
        ),
    }
    return {
        str(constraint.get_violation_error_message()): ours[constraint.name]
        for constraint in Member._meta.constraints
        if constraint.name in ours
    }


def _failure_errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        if not hasattr(exc, "error_dict"):
            return {"__all__": list(exc.messages)}
        known = _constraint_messages()
        errors: dict[str, list[str]] = {}
        for field, items in exc.error_dict.items():
            for text in ValidationError(items).messages:
                target, message = known.get(text, (field, text))
                errors.setdefault(target, []).append(str(message))
        return errors
    return {
        "__all__": [
            _("Another member with this email address or mobile number was added meanwhile.")
        ]
    }


def import_commit(*, member_import: MemberImport, confirmed_by) -> MemberImport:
    """Create a member for every valid row of a previewed import, all or nothing.

    Members are active at once, with the current house rules and privacy
    notice recorded as accepted through the import, and each gets the
    welcome message after the transaction commits. If one row fails (the
    list changed since the preview), nothing is created: that row is marked
    in the preview and ValidationError explains what happened. Confirming an
    import that is no longer in preview raises ValidationError too.
    """
    try:
        with transaction.atomic():
            locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
            if locked.status != MemberImport.Status.PREVIEW:
                raise ValidationError(
                    _("This import is already %(status)s."),
                    params={"status": locked.get_status_display().lower()},
                    code="not_preview",
                )
            valid_rows = [row for row in locked.rows if not row.get("errors")]
            if not valid_rows:
                raise ValidationError(_("There are no valid rows to import."), code="nothing")
            network = Network.objects.prefetch_related("streets").get(pk=locked.network_id)
            consents = [
                (
                    ConsentRecord.Subject.HOUSE_RULES,
                    house_rules_current(network=network).version,
                    ConsentRecord.Method.IMPORT,
                ),
                (
                    ConsentRecord.Subject.PRIVACY_NOTICE,
                    settings.PRIVACY_NOTICE_VERSION,
                    ConsentRecord.Method.IMPORT,
                ),
            ]
            _taken_since_preview(network=network, rows=valid_rows)
            created: list[Member] = []
            for row in valid_rows:
                try:
                    # Uniqueness was checked for the whole batch just above
                    # (and the database still enforces it): no query per row.
                    member = member_create(
                        network=network,
                        **_create_arguments(row["values"]),
                        status=Member.Status.ACTIVE,
                        source=Source.IMPORT,
                        consents=consents,
                        recorded_by=confirmed_by,
                        check_unique=False,
                    )
                except (ValidationError, IntegrityError) as exc:
                    raise _RowFailed(line=row["line"], errors=_failure_errors(exc)) from exc
                created.append(member)
            for member in created:
                member_welcome_send(member=member)
            locked.status = MemberImport.Status.IMPORTED
            locked.imported_count = len(created)
            locked.finished_at = timezone.now()
            locked.rows = [row for row in locked.rows if row.get("errors")]
            locked.save(update_fields=["status", "imported_count", "finished_at", "rows"])
            audit_log(
                actor=confirmed_by,
                action=AuditEntry.Action.IMPORT,
                network=network,
                detail={"import": locked.pk, "count": len(created)},
            )
    except _RowFailed as failure:
        _row_failure_record(member_import=member_import, failure=failure)
        reason = "; ".join(m for messages in failure.errors.values() for m in messages)
        raise ValidationError(
            _(
                "Nothing was imported: line %(line)s could not be added (%(reason)s). "
                "That row is now marked in the preview; confirm again to import the other rows."
            ),
            params={"line": failure.line, "reason": reason},
            code="row_failed",
        ) from failure
    logger.info("member import %s: %s members created", locked.pk, len(created))
    return locked


def _row_failure_record(*, member_import: MemberImport, failure: _RowFailed) -> None:
    """Mark the row that made a confirmation fail, so the next attempt skips it."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != MemberImport.Status.PREVIEW:
            return
        for row in locked.rows:
            if row["line"] == failure.line:
                for field, messages in failure.errors.items():
                    row.setdefault("errors", {}).setdefault(field, []).extend(messages)
                row.setdefault("raw", dict(row["values"]))
        locked.valid_count = sum(1 for row in locked.rows if not row.get("errors"))
        locked.error_count = len(locked.rows) - locked.valid_count
        locked.save(update_fields=["rows", "valid_count", "error_count"])


def import_cancel(*, member_import: MemberImport, cancelled_by) -> MemberImport:
    """Drop a previewed import: nothing is created and its rows are deleted."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != MemberImport.Status.PREVIEW:
            raise ValidationError(
                _("This import is already %(status)s."),
                params={"status": locked.get_status_display().lower()},
                code="not_preview",
            )
        locked.status = MemberImport.Status.CANCELLED
        locked.rows = []
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "rows", "finished_at"])
    logger.info("member import %s cancelled by user %s", locked.pk, cancelled_by.pk)
    return locked


def import_recent(*, network: Network, limit: int = 10) -> QuerySet[MemberImport]:
    """The network's latest imports, without their rows."""
    return (
        MemberImport.objects.filter(network=network)
        .select_related("created_by")
        .defer("rows")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- files out -------------------------------------------------------------------


def contact_mask(value: str) -> str:
    """An email address or phone number with most of it hidden (privacy mode)."""
    value = str(value or "")
    if not value:
        return ""
    # Nothing of the value shows: even a few characters help guess it.
    return "•••"


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value) -> str:
    """Keep spreadsheets from running text that starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return csv_safe(str(value))


def _csv_lines_out(header: Iterable[str], rows: Iterable[list], safe_columns=()) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(list(header))
    for row in rows:
        yield writer.writerow(
            [
                ("" if cell is None else str(cell)) if index in safe_columns else _csv_safe(cell)
                for index, cell in enumerate(row)
            ]
        )


def import_error_report(
    *, member_import: MemberImport, mask_contact: bool = False
) -> Iterator[str]:
    """The rows with errors as CSV lines: line number, the values as they were
    in the file and the errors per field. Corrected, the file can be uploaded
    again: the import skips its "line" and "errors" columns."""
    header = ["line", *IMPORT_COLUMNS, "errors"]
    rows = []
    for row in member_import.rows:
        errors = row.get("errors") or {}
        if not errors:
            continue
        original = row.get("raw") or row.get("values") or {}
        cells = []
        for field in IMPORT_COLUMNS:
            value = original.get(field, "")
            value = ",".join(value) if isinstance(value, list) else str(value or "")
            cells.append(contact_mask(value) if mask_contact and field in _CONTACT else value)
        problems = " | ".join(
            f"{field}: {message}"
            for field, messages in errors.items()
            for message in _masked_messages(field, messages, original, mask_contact)
        )
        rows.append([row["line"], *cells, problems])
    return _csv_lines_out(header, rows)


def _masked_messages(field, messages, original, mask_contact) -> list[str]:
    raw = str(original.get(field, "") or "")
    if not (mask_contact and field in _CONTACT and raw):
        return list(messages)
    return [message.replace(raw, contact_mask(raw)) for message in messages]


def import_template_csv(*, network: Network) -> Iterator[str]:
    """An example file with the expected header and one made-up member."""
    street = network.streets.order_by("name", "number_from").first()
    mobile = "06 12345678" if network.country == "NL" else "0470 12 34 56"
    example = [
        "Jan", "Janssens", street.name if street else "Kerkstraat",
        str(street.number_from or 1) if street else "1", street.postcode if street else "",
        "jan.janssens@example.org", mobile, "", network.default_language, "sms,email",
        Relation.LIVES.value, "", "",
    ]  # fmt: skip
    return _csv_lines_out(IMPORT_COLUMNS, [example])


EXPORT_COLUMNS = (
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
    "status",
    "relation",
    "business_name",
    "company_number",
    "approved_at",
)
# Validated E.164 numbers: "+32..." is data, not a formula.
_PHONE_COLUMNS = frozenset(EXPORT_COLUMNS.index(c) for c in ("mobile_phone", "landline"))


def _export_queryset(*, network: Network) -> QuerySet[Member]:
    return (
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.LEFT)
        .order_by("last_name", "first_name", "pk")
    )


def member_export_rows(*, network: Network) -> Iterator[list]:
    """The network's members (not those who left) as export rows, one query.

    Values follow EXPORT_COLUMNS; phones are E.164, channels "sms,email",
    approved_at a naive local datetime (or None) so both CSV and XLSX can use it.
    """
    fields = [c for c in EXPORT_COLUMNS if c != "channels"] + ["by_sms", "by_email", "by_voice"]
    for member in _export_queryset(network=network).only(*fields).iterator(chunk_size=2000):
        approved = member.approved_at
        if approved is not None:
            approved = timezone.localtime(approved).replace(tzinfo=None, microsecond=0)
        yield [
            member.first_name,
            member.last_name,
            member.street,
            member.house_number,
            member.postcode,
            member.email,
            member.mobile_phone.as_e164 if member.mobile_phone else "",
            member.landline.as_e164 if member.landline else "",
            member.language,
            ",".join(member.channels),
            member.status,
            member.relation,
            member.business_name,
            member.company_number,
            approved,
        ]


def member_export_log(*, network: Network, actor, file_format: str) -> int:
    """Record an export in the audit log before the file goes out; returns the count."""
    count = _export_queryset(network=network).count()
    audit_log(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        network=network,
        detail={"format": file_format, "count": count},
    )
    return count


def export_csv_stream(*, network: Network) -> Iterator[str]:
    """The export as CSV lines, starting with a byte-order mark so Excel reads UTF-8."""
    return _csv_lines_out(EXPORT_COLUMNS, member_export_rows(network=network), _PHONE_COLUMNS)


def export_xlsx_content(*, network: Network) -> bytes:
    """The export as an Excel workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Members")[:31])
    sheet.append(list(EXPORT_COLUMNS))
    for row in member_export_rows(network=network):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
