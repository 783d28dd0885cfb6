"""The message template library: the platform's standard set, each zone's
own templates in front of it, and the placeholders a template may carry.

A template's texts may hold ``{street}``, ``{time}``, ``{vehicle}``,
``{network}``, ``{police}`` and ``{emergency}``. ``{police}`` and
``{emergency}`` are filled with the numbers of the country (BE: 101 and 112;
NL: 0900-8844 and 112); the others by whoever writes the message.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from messaging.models import MessageTemplate
from networks.models import EMERGENCY_NUMBERS, Network, PoliceZone
from networks.selectors import user_roles
from outbox.sms import sms_length

PLACEHOLDERS = ("street", "time", "vehicle", "network", "police", "emergency")
TEXT_PARTS = ("sms", "subject", "body")
_BRACED = re.compile(r"\{([^{}\s]*)\}")


def template_placeholders_unknown(*, text: str) -> list[str]:
    """The ``{names}`` in ``text`` that are not placeholders, in order."""
    return list(dict.fromkeys(f"{{{n}}}" for n in _BRACED.findall(text) if n not in PLACEHOLDERS))


def template_placeholders_left(*, text: str) -> list[str]:
    """The placeholders still in ``text`` (to be filled before saving a message)."""
    return list(dict.fromkeys(f"{{{n}}}" for n in _BRACED.findall(text) if n in PLACEHOLDERS))


def template_placeholder_error(*, unknown: list[str]) -> str:
    return _("Unknown placeholder %(placeholders)s. Use only: %(known)s.") % {
        "placeholders": ", ".join(unknown),
        "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
    }


def template_texts_errors(*, texts: dict) -> dict[str, list[str]]:
    """Field (``sms_nl``, ``body_fr``, ...) → what is wrong in it: unknown
    placeholders, or a language without its short text."""
    errors: dict[str, list[str]] = {}
    for code, parts in texts.items():
        for part in TEXT_PARTS:
            unknown = template_placeholders_unknown(text=parts.get(part, ""))
            if unknown:
                errors.setdefault(f"{part}_{code}", []).append(
                    template_placeholder_error(unknown=unknown)
                )
        if not parts.get("sms", "").strip():
            errors.setdefault(f"sms_{code}", []).append(
                _("Write the short text for this language.")
            )
    return errors


def country_numbers(*, country: str) -> dict[str, str]:
    """``{"emergency": "112", "police": "101"}`` for the country."""
    emergency, police = (number for number, _label in EMERGENCY_NUMBERS[country])
    return {"emergency": emergency, "police": police}


def template_fill(*, text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder that has a value replaced by it; the
    others stay as they are."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        value = values.get(name)
        return match.group(0) if name not in PLACEHOLDERS or not value else str(value)

    return _BRACED.sub(replace, text)


def template_preview(*, texts: dict, country: str, values: dict[str, str]) -> list[dict]:
    """Per language: the texts with the placeholders filled (the country's
    numbers, the sample street, time, vehicle and network), the SMS length
    and what is left unfilled."""
    filled_values = {**values, **country_numbers(country=country)}
    result = []
    for code, parts in texts.items():
        filled = {p: template_fill(text=parts.get(p, ""), values=filled_values) for p in TEXT_PARTS}
        result.append(
            {
                "language": code,
                "texts": filled,
                "length": sms_length(filled["sms"]),
                "left": template_placeholders_left(text=" ".join(filled.values())),
            }
        )
    return result


def template_zones(*, user) -> QuerySet[PoliceZone]:
    """The zones whose templates the user manages: an officer's zones, every
    zone for an admin."""
    roles = user_roles(user=user)
    zones = PoliceZone.objects.order_by("name")
    return zones if roles.is_admin else zones.filter(pk__in=roles.officer_of_zones)


def _visible_zone_ids(user) -> set[int] | None:
    """Zones whose templates the user writes with (None: all, for admins)."""
    roles = user_roles(user=user)
    if roles.is_admin:
        return None
    zones = set(roles.officer_of_zones)
    zones |= set(
        Network.objects.filter(
            Q(pk__in=roles.coordinates) | Q(municipality_id__in=roles.staff_of_municipalities)
        ).values_list("police_zone_id", flat=True)
    )
    return zones


def template_library(*, user, kind: str = "", zone_ids=None) -> QuerySet[MessageTemplate]:
    """The templates the user writes with: the standard set and their zones'
    templates, where a zone's version of a standard template replaces it.

    ``zone_ids`` limits it to those zones' templates (with the standard set);
    by default the zones of the user's roles (every zone for an admin).
    """
    zones = _visible_zone_ids(user) if zone_ids is None else set(zone_ids)
    own = MessageTemplate.objects.filter(police_zone__isnull=False)
    if zones is not None:
        own = own.filter(police_zone_id__in=zones)
    qs = MessageTemplate.objects.filter(Q(police_zone__isnull=True) | Q(pk__in=own.values("pk")))
    if zones is not None:
        # An admin (every zone) keeps the standard set as it is.
        qs = qs.exclude(pk__in=own.exclude(overrides=None).values("overrides_id"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("police_zone", "overrides").order_by("kind", "title")


def template_standard_set() -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(police_zone__isnull=True).order_by("kind", "title")
