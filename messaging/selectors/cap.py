"""Messages as OASIS Common Alerting Protocol 1.2 alerts, alone or in an Atom feed.

CAP is what BE-Alert and other alerting tools speak. Each message becomes one
``<alert>``:

- ``identifier`` ``<host>.bin.message.<pk>`` (``.cancel`` for its cancel),
  ``sender`` ``CAP_SENDER`` (default ``bin@<host of PUBLIC_BASE_URL>``);
- ``status``: Actual, Test for an exercise (``Message.is_exercise``), Draft for
  a message not published yet;
- ``msgType``: Alert; Update (with ``references``) for an update of a published
  message (``Message.update_of``, the whole chain); Cancel (with ``references``
  to the alert it cancels) once a published message is cancelled;
- ``scope`` Restricted: BIN content is for the members of the networks;
- one ``<info>`` per language of the texts (``nl-BE``, ``fr-BE``, ``nl-NL``...),
  category/urgency/severity/certainty from the kind (``KIND_PROFILE``),
  ``expires`` from ``Message.expires_at`` or, when empty, the kind's default
  validity after publishing (``DEFAULT_VALIDITY``), the instruction and the
  contact with the emergency numbers of the network's country;
- one ``<area>`` per network: its name, its polygon (from ``area_geojson``) and
  its municipality's official code (``NIS`` in Belgium, ``CBS`` in the
  Netherlands) as ``geocode``.

Every document validates against the OASIS CAP 1.2 schema
(``vendor/cap/``, checked in ``tests/messaging/test_cap.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # nosec B405 - builds XML, parses nothing

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messaging.models import Message
from networks.models import Country, Network

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"
ATOM_CONTENT_TYPE = "application/atom+xml"

# Prefixes when serialising a feed: Atom is the default namespace, the alerts
# inside are "cap:alert" (rather than "ns0:feed", "ns1:alert").
ET.register_namespace("", ATOM_NS)
ET.register_namespace("cap", CAP_NS)

# CAP vocabulary per kind: (category, responseType or "", urgency, severity, certainty).
# BIN messages are about crime and nuisance: "Security" (law enforcement and
# local security); general information is "Other".
KIND_PROFILE: dict[str, tuple[str, str, str, str, str]] = {
    Message.Kind.URGENT: ("Security", "Monitor", "Immediate", "Moderate", "Observed"),
    Message.Kind.FEEDBACK: ("Security", "None", "Past", "Minor", "Observed"),
    Message.Kind.PREVENTION: ("Security", "Prepare", "Future", "Minor", "Possible"),
    Message.Kind.INFO: ("Other", "None", "Unknown", "Minor", "Unknown"),
}

# How long a message stays valid when it has no ``expires_at`` of its own
# (messages published before publishing set it): the model's defaults.
DEFAULT_VALIDITY = Message.DEFAULT_VALIDITY

# The official municipality code's name in CAP's geocode, per country.
GEOCODE_NAMES = {Country.BELGIUM: "NIS", Country.NETHERLANDS: "CBS"}

# CAP's headline should stay short ("less than 160 characters").
HEADLINE_LENGTH = 140


def _host() -> str:
    return urlsplit(settings.PUBLIC_BASE_URL).netloc or "localhost"


def cap_sender() -> str:
    """The CAP ``sender``: ``CAP_SENDER``, or ``bin@<host>`` of the public URL."""
    return getattr(settings, "CAP_SENDER", "") or f"bin@{_host().split(':')[0]}"


def _identifier(message: Message, *, cancel: bool = False) -> str:
    # No spaces, commas, "&" or "<" (CAP 1.2, 3.2.1): the port's colon is fine.
    return f"{_host()}.bin.message.{message.pk}" + (".cancel" if cancel else "")


def _time(moment: datetime) -> str:
    """CAP's date-time form: seconds, with an explicit offset (no "Z")."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _reference(message: Message) -> str:
    return f"{cap_sender()},{_identifier(message)},{_time(message.published_at)}"


def message_cap_expires(*, message: Message) -> datetime | None:
    """When the message stops being valid (``Message.valid_until``): its
    ``expires_at``, else publishing plus the kind's default; None for a
    draft without one."""
    return message.valid_until()


def _updated_chain(message: Message) -> list[Message]:
    """The published messages this one updates, oldest first (cycles cut)."""
    chain: list[Message] = []
    seen = {message.pk}
    current = message.update_of
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.published_at is not None:
            chain.append(current)
        current = current.update_of
    return chain[::-1]


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = CAP_NS) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _ring(points: object) -> str:
    """A GeoJSON ring ([lon, lat] pairs) as a closed CAP polygon "lat,lon ..."."""
    if not isinstance(points, list):
        return ""
    pairs: list[tuple[float, float]] = []
    for point in points:
        try:
            lon, lat = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError, KeyError):
            return ""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return ""
        pairs.append((lat, lon))
    if pairs and pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    if len(pairs) < 4:  # CAP: at least four pairs, the first and last the same
        return ""
    return " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in pairs)


def network_cap_polygons(*, network: Network) -> list[str]:
    """The outer ring of each polygon of the network's ``area_geojson`` in CAP
    form; holes are left out (CAP has none), broken geometry gives nothing."""
    area = network.area_geojson
    if not isinstance(area, dict):
        return []
    coordinates = area.get("coordinates")
    if not isinstance(coordinates, list):
        return []
    if area.get("type") == "Polygon":
        polygons = [coordinates]
    elif area.get("type") == "MultiPolygon":
        polygons = coordinates
    else:
        return []
    rings = [_ring(polygon[0]) for polygon in polygons if isinstance(polygon, list) and polygon]
    return [ring for ring in rings if ring]


def _contact(network: Network) -> str:
    numbers = "; ".join(f"{label}: {number}" for number, label in network.emergency_numbers)
    return f"{network.police_zone.name} ({numbers})"


def _instruction(kind: str, network: Network) -> str:
    emergency = ", ".join(number for number, _label in network.emergency_numbers)
    if kind == Message.Kind.URGENT:
        text = _(
            "Stay safe and do not intervene yourself. Call %(numbers)s if you see "
            "something that cannot wait."
        )
    elif kind == Message.Kind.PREVENTION:
        text = _("Follow the advice in this message. In an emergency call %(numbers)s.")
    else:
        text = _("No action needed. In an emergency call %(numbers)s.")
    return text % {"numbers": emergency}


def _info(alert: ET.Element, message: Message, language: str, networks: list[Network]) -> None:
    first = networks[0]
    text = message.texts.get(language) or {}
    category, response, urgency, severity, certainty = KIND_PROFILE[message.kind]
    with translation.override(language):
        info = _sub(alert, "info")
        _sub(info, "language", f"{language}-{first.country}")
        _sub(info, "category", category)
        _sub(info, "event", str(Message.Kind(message.kind).label))
        _sub(info, "responseType", response)
        _sub(info, "urgency", urgency)
        _sub(info, "severity", severity)
        _sub(info, "certainty", certainty)
        if message.published_at:
            _sub(info, "effective", _time(message.published_at))
        expires = message_cap_expires(message=message)
        if expires:
            _sub(info, "expires", _time(expires))
        _sub(info, "senderName", first.police_zone.name)
        headline = (text.get("subject") or text.get("sms") or "").strip()
        if headline:
            _sub(info, "headline", headline[:HEADLINE_LENGTH])
        description = (text.get("body") or text.get("sms") or "").strip()
        if description:
            _sub(info, "description", description)
        _sub(info, "instruction", _instruction(message.kind, first))
        web = reverse("messaging:detail", kwargs={"pk": message.pk})
        _sub(info, "web", settings.PUBLIC_BASE_URL + web)
        _sub(info, "contact", _contact(first))
        for network in networks:
            area = _sub(info, "area")
            _sub(area, "areaDesc", f"{network.name}, {network.municipality.name}")
            for polygon in network_cap_polygons(network=network):
                _sub(area, "polygon", polygon)
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", GEOCODE_NAMES[network.country])
            _sub(geocode, "value", network.municipality.official_code)


def _message_for_cap(message: Message) -> Message:
    return (
        Message.objects.select_related("update_of")
        .prefetch_related("networks__municipality", "networks__police_zone")
        .get(pk=message.pk)
    )


def message_cap_alert(*, message: Message) -> ET.Element:
    """The message as a CAP 1.2 ``<alert>`` element (see the module's docstring)."""
    message = _message_for_cap(message)
    networks = sorted(message.networks.all(), key=lambda n: n.name)
    cancelled = message.status == Message.Status.CANCELLED and message.published_at is not None
    published = message.status == Message.Status.PUBLISHED or cancelled
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", _identifier(message, cancel=cancelled))
    _sub(alert, "sender", cap_sender())
    if cancelled:
        sent = message.cancelled_at or message.published_at
    else:
        sent = message.published_at or message.created_at
    _sub(alert, "sent", _time(sent))
    status = "Test" if message.is_exercise else "Actual"
    _sub(alert, "status", status if published else "Draft")
    updated = _updated_chain(message)
    if cancelled:
        msg_type, references = "Cancel", [message]
    elif updated:
        msg_type, references = "Update", updated
    else:
        msg_type, references = "Alert", []
    _sub(alert, "msgType", msg_type)
    _sub(alert, "source", settings.PUBLIC_BASE_URL)
    _sub(alert, "scope", "Restricted")
    with translation.override(networks[0].default_language if networks else None):
        _sub(alert, "restriction", _("For the members of the networks named in the areas only."))
    if message.is_exercise:
        _sub(alert, "note", "EXERCISE")
    if references:
        _sub(alert, "references", " ".join(_reference(m) for m in references))
    if networks:
        # The network's languages in its order of preference, then any other
        # (the texts' JSON keeps no order in PostgreSQL).
        given = [
            code
            for code, text in message.texts.items()
            if isinstance(text, dict) and any(str(v).strip() for v in text.values())
        ]
        preferred = networks[0].languages or []
        for language in sorted(
            given,
            key=lambda c: (c not in preferred, preferred.index(c) if c in preferred else 0, c),
        ):
            _info(alert, message, language, networks)
    return alert


def message_cap_xml(*, message: Message) -> bytes:
    """The message as a CAP 1.2 XML document (UTF-8, with declaration)."""
    return ET.tostring(
        message_cap_alert(message=message),
        encoding="utf-8",
        xml_declaration=True,
        default_namespace=CAP_NS,
    )


def _default_entry_url(message: Message) -> str:
    return settings.PUBLIC_BASE_URL + reverse("messaging:cap", kwargs={"pk": message.pk})


def cap_atom_feed(
    *,
    messages: Iterable[Message],
    title: str,
    feed_url: str,
    entry_url: Callable[[Message], str] | None = None,
) -> bytes:
    """An Atom 1.0 feed (RFC 4287) with one entry per message, newest first,
    each carrying the message's CAP alert as its content.

    ``feed_url`` is the feed's own address (its id and ``rel="self"`` link);
    ``entry_url(message)`` gives each alert's CAP address (default: the staff
    download, ``messaging:cap``).
    """
    entry_url = entry_url or _default_entry_url
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_url, ATOM_NS)
    _sub(feed, "title", title, ATOM_NS)
    updated = _sub(feed, "updated", None, ATOM_NS)
    ET.SubElement(
        feed,
        f"{{{ATOM_NS}}}link",
        {"rel": "self", "type": ATOM_CONTENT_TYPE, "href": feed_url},
    )
    author = _sub(feed, "author", None, ATOM_NS)
    _sub(author, "name", cap_sender(), ATOM_NS)
    latest: datetime | None = None
    for message in messages:
        alert = message_cap_alert(message=message)
        sent = alert.findtext(f"{{{CAP_NS}}}sent")
        headline = alert.findtext(f"{{{CAP_NS}}}info/{{{CAP_NS}}}headline") or str(message)
        moment = datetime.fromisoformat(sent)
        latest = max(latest, moment) if latest else moment
        entry = _sub(feed, "entry", None, ATOM_NS)
        url = entry_url(message)
        _sub(entry, "id", url, ATOM_NS)
        _sub(entry, "title", headline, ATOM_NS)
        _sub(entry, "updated", sent, ATOM_NS)
        ET.SubElement(
            entry,
            f"{{{ATOM_NS}}}link",
            {"rel": "alternate", "type": CAP_CONTENT_TYPE, "href": url},
        )
        content = _sub(entry, "content", None, ATOM_NS)
        content.set("type", CAP_CONTENT_TYPE)
        content.append(alert)
    updated.text = _time(latest or timezone.now())
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
