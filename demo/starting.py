"""Demo data for starting a BIN (called by ``seed_demo``): a resident's
confirmed request in Erpe-Mere waiting for the zone's officer, and the
interest list of the BIN-Z being founded in Lede, with its information
evening to come. Idempotent like the rest of the demo."""

from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone

from charters.models import InterestEntry, Meeting, StartRequest
from networks.models import Municipality, Network

INTEREST = (
    ("Sofie De Smet", "Industrielaan", "sofie.desmet@example.org", "nl"),
    ("Marc Lambert", "Ambachtenstraat", "marc.lambert@example.org", "fr"),
    ("Ilse Van Hecke", "Industrielaan", "ilse.vanhecke@example.org", "nl"),
)


def _token(text: str) -> str:
    # Demo rows never had a link: a fixed stand-in keeps the seed idempotent.
    return hashlib.sha256(f"demo\0{text}".encode()).hexdigest()


def seed_starting(*, networks: dict[str, Network]) -> None:
    now = timezone.now()
    municipality = Municipality.objects.filter(official_code="41082").first()  # Erpe-Mere
    if municipality is not None:
        StartRequest.objects.get_or_create(
            token_hash=_token("request-mere-kouter"),
            defaults={
                "municipality": municipality, "name": "Koen Verhaegen",
                "email": "koen.verhaegen@example.org", "street": "Kouterstraat",
                "neighbourhood": "Kouterstraat, Veldstraat en de wijk rond de Kouter in Mere",
                "motivation": "Drie inbraken deze winter; een tiental buren wil meedoen.",
                "status": StartRequest.Status.NEW, "email_verified_at": now,
            },
        )  # fmt: skip
    network = networks.get("binz-industriezone-lede")
    if network is None or network.status not in (
        Network.Status.PROPOSED,
        Network.Status.PREPARING,
    ):
        return
    for name, street, email, language in INTEREST:
        InterestEntry.objects.get_or_create(
            network=network, email=email,
            defaults={"name": name, "street": street, "language": language,
                      "token_hash": _token(email), "email_verified_at": now},
        )  # fmt: skip
    if not Meeting.objects.filter(network=network, kind=Meeting.Kind.INFO_EVENING).exists():
        day = timezone.localdate() + datetime.timedelta(days=21)
        Meeting.objects.create(
            network=network,
            kind=Meeting.Kind.INFO_EVENING,
            starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(19, 30))),
            place="Gemeentehuis Lede, raadzaal",
            agenda="1. Wat is een BIN-Z?\n2. Communicatieplan\n3. Stuurgroep",
        )
