"""Fill the database with a realistic demo: two police zones, five networks with
their streets, 300+ members and one staff login per role, each login with a
second factor already enrolled.

Running it again creates nothing twice. Reference data (zones, municipalities,
networks, streets) is brought back to what is written here; people (users,
members) are only added when missing. ``make run`` calls this on every start,
so it must stay idempotent and fast.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import random
import time
import unicodedata
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from charters.demo import seed_charters
from charters.demo_governance import seed_governance_demo
from members.models import ConsentRecord, Language, Member
from members.services.core import member_create
from networks.models import Country, Municipality, Network, PoliceZone, Role, Street
from networks.services import role_grant
from surveys import demo as surveys_demo

DEMO_EMAIL_DOMAIN = "demo.bin"
# Printed on every run on purpose: these accounts exist only in demo databases.
DEFAULT_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105
RANDOM_SEED = 2026

ALL, EVEN, ODD = Street.Parity.ALL, Street.Parity.EVEN, Street.Parity.ODD


# --- Places -------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneSpec:
    """A police zone, keyed by its number."""

    number: str
    name: str
    country: str


@dataclass(frozen=True)
class MunicipalitySpec:
    """A municipality, keyed by its NIS or CBS code."""

    official_code: str
    name: str
    province: str
    zone_number: str


@dataclass(frozen=True)
class StreetSpec:
    """One stretch of a street in a network's area, keyed by (name, postcode, number_from)."""

    name: str
    postcode: str
    number_from: int | None = None
    number_to: int | None = None
    parity: str = ALL

    def house_numbers(self) -> list[int]:
        """The house numbers a demo member on this stretch may live at."""
        low = self.number_from or 1
        # Whole or open-ended streets have no upper bound in the area list;
        # demo addresses still need a plausible one.
        high = self.number_to or low + 79
        wanted = {ALL: (0, 1), EVEN: (0,), ODD: (1,)}[self.parity]
        return [n for n in range(low, high + 1) if n % 2 in wanted]


@dataclass(frozen=True)
class NetworkSpec:
    """A network with its street list, keyed by slug."""

    slug: str
    name: str
    municipality_code: str
    kind: str
    status: str
    languages: list[str]
    founded_on: datetime.date | None
    description: str
    streets: tuple[StreetSpec, ...]
    member_count: int


ZONES = (
    ZoneSpec("5416", "Erpe-Mere/Lede", Country.BELGIUM),
    ZoneSpec("NL-UT-01", "Basisteam Utrecht-Stad", Country.NETHERLANDS),
)

MUNICIPALITIES = (
    MunicipalitySpec("41082", "Erpe-Mere", "Oost-Vlaanderen", "5416"),
    MunicipalitySpec("41034", "Lede", "Oost-Vlaanderen", "5416"),
    MunicipalitySpec("GM0344", "Utrecht", "Utrecht", "NL-UT-01"),
)

NETWORKS = (
    NetworkSpec(
        slug="oordegem",
        name="BIN Oordegem",
        municipality_code="41034",
        kind=Network.Kind.BIN,
        status=Network.Status.ACTIVE,
        languages=["nl", "fr"],
        founded_on=datetime.date(2014, 5, 1),
        description=(
            "Sinds 2014 werken bewoners van Oordegem, de lokale politie Erpe-Mere/Lede en de "
            "gemeente Lede samen in dit buurtinformatienetwerk. De politie stuurt dringende "
            "berichten per sms en preventietips per e-mail; leden melden verdachte situaties aan "
            "de politie. Het BIN is geen noodnummer en leden gaan niet zelf op patrouille.\n\n"
            "Since 2014 residents of Oordegem, the Erpe-Mere/Lede local police and the "
            "municipality of Lede have worked together in this neighbourhood information "
            "network. The police send urgent alerts by text message and prevention tips by "
            "email; members report suspicious situations to the police. The network is not an "
            "emergency line and members do not patrol."
        ),
        streets=(
            StreetSpec("Dorp", "9340"),
            StreetSpec("Kerkstraat", "9340"),
            StreetSpec("Stationsstraat", "9340", 1, 59, ODD),
            StreetSpec("Stationsstraat", "9340", 2, 64, EVEN),
            StreetSpec("Molenstraat", "9340"),
            StreetSpec("Hoogstraat", "9340"),
            StreetSpec("Kapellestraat", "9340"),
            StreetSpec("Lindenstraat", "9340"),
            StreetSpec("Broekstraat", "9340"),
            StreetSpec("Veldstraat", "9340", 2, 80, EVEN),
            StreetSpec("Smetledesteenweg", "9340", 1, 97, ODD),
            StreetSpec("Nieuwstraat", "9340"),
            StreetSpec("Kasteelstraat", "9340"),
            StreetSpec("Beekstraat", "9340", 120),
            StreetSpec("Wanzelestraat", "9340", 1, 45),
        ),
        member_count=90,
    ),
    NetworkSpec(
        slug="bambrugge",
        name="BIN Bambrugge",
        municipality_code="41082",
        kind=Network.Kind.BIN,
        status=Network.Status.ACTIVE,
        languages=["nl"],
        founded_on=datetime.date(2016, 9, 15),
        description=(
            "Buurtinformatienetwerk voor de deelgemeente Bambrugge (Erpe-Mere), langs de "
            "Oudenaardsesteenweg en de straten rond het dorp. Op de webpagina van de politiezone "
            'heet dit netwerk "BIN Bamburst"; het gaat om hetzelfde netwerk. Leden krijgen '
            "dringende BIN-berichten, feedback en preventietips en nemen deel aan de anonieme "
            "evaluatie.\n\n"
            "Neighbourhood information network for Bambrugge (Erpe-Mere), along the "
            "Oudenaardsesteenweg and the streets around the village centre. The police zone's "
            'web page calls it "BIN Bamburst"; it is the same network. Members receive urgent '
            "alerts, feedback and prevention tips and take part in the anonymous evaluation."
        ),
        streets=(
            StreetSpec("Dorp", "9420"),
            StreetSpec("Oudenaardsesteenweg", "9420", 301, 471, ODD),
            StreetSpec("Oudenaardsesteenweg", "9420", 300, 480, EVEN),
            StreetSpec("Burststraat", "9420"),
            StreetSpec("Kerkveld", "9420"),
            StreetSpec("Molenbeekstraat", "9420"),
            StreetSpec("Wijngaardstraat", "9420"),
            StreetSpec("Kloosterstraat", "9420"),
            StreetSpec("Papenstraat", "9420"),
            StreetSpec("Bergstraat", "9420", 1, 60),
            StreetSpec("Leeuwerikstraat", "9420"),
            StreetSpec("Erondegemstraat", "9420"),
            StreetSpec("Vlekkemstraat", "9420", 2, 50, EVEN),
            StreetSpec("Zonnebloemstraat", "9420"),
        ),
        member_count=85,
    ),
    NetworkSpec(
        slug="aaigem",
        name="BIN Aaigem",
        municipality_code="41082",
        kind=Network.Kind.BIN,
        status=Network.Status.ACTIVE,
        languages=["nl", "fr"],
        founded_on=datetime.date(2018, 3, 1),
        description=(
            "Het jongste van de drie buurtinformatienetwerken in de politiezone Erpe-Mere/Lede. "
            "Bewoners van Aaigem wisselen met de politie informatie uit over inbraken, "
            "oplichting, sluikstorten en andere overlast.\n\n"
            "The youngest of the three neighbourhood information networks in the Erpe-Mere/Lede "
            "police zone. Residents of Aaigem exchange information with the police on burglary, "
            "scams, illegal dumping and other nuisance."
        ),
        streets=(
            StreetSpec("Aaigemdorp", "9420"),
            StreetSpec("Kerkstraat", "9420"),
            StreetSpec("Pastorijstraat", "9420"),
            StreetSpec("Heirbaan", "9420", 1, 89, ODD),
            StreetSpec("Heirbaan", "9420", 2, 96, EVEN),
            StreetSpec("Ottergemstraat", "9420"),
            StreetSpec("Groenstraat", "9420"),
            StreetSpec("Kouterstraat", "9420"),
            StreetSpec("Hekkestraat", "9420"),
            StreetSpec("Leebeekstraat", "9420"),
            StreetSpec("Neerstraat", "9420", 1, 40),
            StreetSpec("Bosstraat", "9420"),
            StreetSpec("Ledebaan", "9420", 2, 58, EVEN),
            StreetSpec("Steenstraat", "9420"),
        ),
        member_count=80,
    ),
    NetworkSpec(
        slug="binz-industriezone-lede",
        name="BIN-Z Industriezone Lede",
        municipality_code="41034",
        kind=Network.Kind.BINZ,
        status=Network.Status.PREPARING,
        languages=["nl", "fr"],
        founded_on=None,
        description=(
            "BIN-Z in oprichting voor zelfstandigen en bedrijven in de industriezone van Lede. "
            "Na de infoavond en de ondertekening van het charter krijgen deelnemers "
            "waarschuwingen over diefstal van materiaal, inbraak in bedrijfsgebouwen en "
            "fraude.\n\n"
            "A BIN-Z being set up for self-employed people and businesses in the Lede industrial "
            "estate. Once the information evening has been held and the charter signed, "
            "participants will receive alerts about theft of materials, break-ins at business "
            "premises and fraud."
        ),
        streets=(
            StreetSpec("Industrielaan", "9340", 1, 45, ODD),
            StreetSpec("Industrielaan", "9340", 2, 50, EVEN),
            StreetSpec("Ambachtenstraat", "9340"),
            StreetSpec("Nijverheidsstraat", "9340"),
            StreetSpec("Hoogveld", "9340", 10, 40),
        ),
        member_count=10,
    ),
    NetworkSpec(
        slug="lombok",
        name="BIN Lombok",
        municipality_code="GM0344",
        kind=Network.Kind.BIN,
        status=Network.Status.ACTIVE,
        languages=["nl", "en"],
        founded_on=datetime.date(2019, 10, 1),
        description=(
            "Buurtinformatienetwerk van bewoners uit de Utrechtse wijk Lombok, samen met het "
            "basisteam Utrecht-Stad en de gemeente Utrecht. De politie mailt de coördinator, die "
            "het BIN-bericht per e-mail doorstuurt naar de leden; reacties van leden gaan via de "
            "coördinator terug naar politie of gemeente.\n\n"
            "Neighbourhood information network of residents of the Lombok district in Utrecht, "
            "with the Utrecht-Stad police base team and the municipality of Utrecht. The police "
            "email the coordinator, who forwards each BIN message to members by email; members "
            "reply to the coordinator, who passes their replies on."
        ),
        streets=(
            StreetSpec("Kanaalstraat", "3531 CE", 1, 99, ODD),
            StreetSpec("Kanaalstraat", "3531 CG", 2, 120, EVEN),
            StreetSpec("Damstraat", "3531 BT"),
            StreetSpec("Javastraat", "3531 AK"),
            StreetSpec("Sumatrastraat", "3531 AM"),
            StreetSpec("Billitonkade", "3531 TH"),
            StreetSpec("Lombokstraat", "3531 RB"),
            StreetSpec("Balistraat", "3531 PS"),
            StreetSpec("Celebesstraat", "3531 PV"),
            StreetSpec("Jasmijnstraat", "3531 BR"),
            StreetSpec("Vleutenseweg", "3532 HA", 2, 98, EVEN),
        ),
        member_count=40,
    ),
)


# --- People -------------------------------------------------------------------

FLEMISH_FIRST = (
    "Jan", "Pieter", "Koen", "Wim", "Bart", "Tom", "Dirk", "Luc", "Marc", "Geert", "Stijn",
    "Jens", "Wout", "Arne", "Ruben", "Jonas", "Frederik", "Filip", "Jozef", "Willy", "Roger",
    "Johan", "Kristof", "Maarten", "Seppe", "Lotte", "Els", "An", "Katrien", "Sofie", "Lies",
    "Hilde", "Greet", "Martine", "Veerle", "Ilse", "Inge", "Leen", "Eline", "Femke", "Marie",
    "Louise", "Nele", "Hanne", "Jolien", "Griet", "Annelies", "Kaat", "Rita", "Godelieve",
    "Marleen", "Mieke",
)  # fmt: skip
FLEMISH_LAST = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "De Clercq", "De Vos", "Van Damme", "Vermeulen", "Van den Bossche",
    "De Backer", "Verhaeghe", "Van de Velde", "De Wilde", "Martens", "Stevens", "Claeys",
    "Pauwels", "De Cock", "Van Hecke", "Verstraete", "Baert", "De Meyer", "Van Impe",
    "De Schepper", "Cooreman", "Van Lierde", "De Coster", "Van Herreweghe", "Schepens",
    "Roelandt", "Van de Voorde", "De Bruycker", "Bogaert", "Van Nieuwenhove", "D'Hondt",
    "Moens", "Van Eeckhout", "De Rycke", "Verbeke", "Lievens", "Uyttendaele", "De Paepe",
    "Van der Straeten", "Sonck", "Coppens", "Van Geyte",
)  # fmt: skip
WALLOON_FIRST = (
    "Jean", "Pierre", "Philippe", "Michel", "Olivier", "Benoît", "Laurent", "Christophe",
    "Julien", "Nicolas", "François", "Xavier", "Didier", "Thierry", "Jean-Marc", "Anne-Sophie",
    "Marie-Claire", "Isabelle", "Catherine", "Nathalie", "Véronique", "Céline", "Aurélie",
    "Delphine", "Chantal", "Monique", "Françoise", "Élise", "Camille", "Manon", "Chloé",
)  # fmt: skip
WALLOON_LAST = (
    "Dubois", "Lambert", "Dupont", "Leclercq", "Martin", "Simon", "Lejeune", "Renard",
    "Collard", "Leroy", "Delvaux", "Gérard", "Piette", "Denis", "Lemaire", "Hubert", "Mathieu",
    "Henrard", "Delhaye", "Bodart", "Dumont", "Jacquet", "Thiry", "Noël", "Masson", "Gilson",
    "Lecomte", "Maréchal", "Goffin", "Lefèvre", "Charlier",
)  # fmt: skip
GERMAN_FIRST = (
    "Jürgen", "Klaus", "Günther", "Stefan", "Andrea", "Monika", "Petra", "Helmut", "Sabine",
    "Ursula",
)  # fmt: skip
GERMAN_LAST = (
    "Schmitz", "Kessler", "Heinen", "Mreches", "Cremer", "Lentz", "Kohnen", "Wintgens",
    "Pankert", "Heck",
)  # fmt: skip
ENGLISH_FIRST = (
    "James", "Sarah", "David", "Emily", "Michael", "Laura", "Mark", "Rachel", "Oliver", "Hannah",
)  # fmt: skip
ENGLISH_LAST = (
    "Smith", "Taylor", "Brown", "Wilson", "Evans", "Murphy", "O'Brien", "Walsh", "Hughes",
    "Clarke",
)  # fmt: skip
DUTCH_FIRST = (
    "Daan", "Sem", "Lucas", "Bram", "Thijs", "Jeroen", "Sjoerd", "Joost", "Willem", "Gerrit",
    "Henk", "Kees", "Ties", "Fleur", "Sanne", "Anouk", "Lotte", "Marieke", "Ingrid",
    "Annemiek", "Wilma", "Saskia", "Noor", "Julia", "Tess", "Evi", "Ilse",
)  # fmt: skip
DUTCH_LAST = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Hendriks", "van Leeuwen",
    "Dekker", "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer", "Kok", "Verhoeven",
    "van der Heijden", "Koster", "Prins", "Huisman",
)  # fmt: skip
# Lombok is one of Utrecht's most mixed districts; an all-Dutch member list would not look real.
UTRECHT_FIRST = (
    "Mohamed", "Fatima", "Youssef", "Samira", "Khadija", "Emre", "Ayşe", "Mehmet", "Elif",
    "Yasmina",
)  # fmt: skip
UTRECHT_LAST = (
    "El Amrani", "Bouzid", "Yilmaz", "Kaya", "Öztürk", "El Idrissi", "Benali", "Şahin",
    "Aydin", "Ait Taleb",
)  # fmt: skip

NAMES = {
    (Country.BELGIUM, Language.DUTCH): (FLEMISH_FIRST, FLEMISH_LAST),
    (Country.BELGIUM, Language.FRENCH): (WALLOON_FIRST, WALLOON_LAST),
    (Country.BELGIUM, Language.GERMAN): (GERMAN_FIRST, GERMAN_LAST),
    (Country.BELGIUM, Language.ENGLISH): (ENGLISH_FIRST, ENGLISH_LAST),
    (Country.NETHERLANDS, Language.DUTCH): (DUTCH_FIRST, DUTCH_LAST),
    (Country.NETHERLANDS, Language.ENGLISH): (ENGLISH_FIRST, ENGLISH_LAST),
}
LANGUAGE_WEIGHTS = {
    Country.BELGIUM: ((Language.DUTCH, 80), (Language.FRENCH, 12), (Language.GERMAN, 4),
                      (Language.ENGLISH, 4)),
    Country.NETHERLANDS: ((Language.DUTCH, 85), (Language.ENGLISH, 15)),
}  # fmt: skip

CONSENTS = [
    (ConsentRecord.Subject.HOUSE_RULES, "1.0", ConsentRecord.Method.PAPER),
    (ConsentRecord.Subject.PRIVACY_NOTICE, "1.0", ConsentRecord.Method.PAPER),
]


@dataclass(frozen=True)
class DemoUser:
    """A demo login and the one role it holds."""

    email: str
    first_name: str
    last_name: str
    role: str
    # Which kind of scope the role takes and the natural key of that scope.
    scope_kind: str | None = None
    scope_key: str | None = None
    language: str = "nl"


DEMO_USERS = (
    DemoUser("admin@demo.bin", "Annelies", "Declercq", Role.ADMIN),
    DemoUser("officer@demo.bin", "Kevin", "Van Hoecke", Role.OFFICER, "police_zone", "5416"),
    DemoUser(
        "coordinator@demo.bin", "Marleen", "De Vuyst", Role.COORDINATOR, "network", "oordegem"
    ),
    DemoUser(
        "cocoordinator@demo.bin",
        "Geert",
        "Van der Haegen",
        Role.CO_COORDINATOR,
        "network",
        "oordegem",
    ),
    DemoUser("steering@demo.bin", "Bert", "Schelfhout", Role.STEERING, "network", "oordegem"),
    DemoUser(
        "municipality@demo.bin", "Evelien", "Baeyens", Role.MUNICIPAL_STAFF, "municipality", "41034"
    ),
    DemoUser("federal@demo.bin", "Olivier", "Dumont", Role.FEDERAL_VIEWER, language="fr"),
    DemoUser(
        "coordinator-nl@demo.bin",
        "Marieke",
        "van der Veen",
        Role.COORDINATOR,
        "network",
        "lombok",
    ),
)


def demo_totp_secret(email: str) -> str:
    """The fixed TOTP secret of a demo login.

    Derived from the email so that a wiped and re-seeded database keeps working
    with the authenticator app the demo was first set up in. It is public by
    design (printed on every run), which is why a plain hash is good enough.
    """
    digest = hashlib.sha1(f"bin-demo-totp:{email}".encode(), usedforsecurity=False).digest()
    return base64.b32encode(digest).decode("ascii")[:32]


def _email_part(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in plain.lower() if c.isalnum() or c == "-")


@dataclass
class PeopleGenerator:
    """Deterministic fake residents: the same seed gives the same people in the
    same order, so a second run recognises everyone it created before."""

    rng: random.Random
    serial: int = 0
    phones: set[str] = field(default_factory=set)

    def _unique_phone(self, make) -> str:
        while (phone := make()) in self.phones:
            pass
        self.phones.add(phone)
        return phone

    def _mobile(self, country: str) -> str:
        rng = self.rng
        if country == Country.NETHERLANDS:
            return self._unique_phone(
                lambda: f"+316{rng.choice('12345')}{rng.randrange(10**7):07d}"
            )
        return self._unique_phone(lambda: f"+324{rng.choice('6789')}{rng.randrange(10**7):07d}")

    def _landline(self, country: str) -> str:
        rng = self.rng
        if country == Country.NETHERLANDS:
            return self._unique_phone(lambda: f"+3130{rng.randrange(2 * 10**6, 10**7)}")
        return self._unique_phone(lambda: f"+3253{rng.randrange(2 * 10**5, 10**6)}")

    def _name(self, country: str, language: str) -> tuple[str, str]:
        rng = self.rng
        firsts, lasts = NAMES[(country, language)]
        if country == Country.NETHERLANDS and language == Language.DUTCH and rng.random() < 0.2:
            firsts, lasts = UTRECHT_FIRST, UTRECHT_LAST
        return rng.choice(firsts), rng.choice(lasts)

    def _house_number(self, country: str, street: StreetSpec) -> str:
        rng = self.rng
        number = rng.choice(street.house_numbers())
        roll = rng.random()
        if roll < 0.05:
            return (
                f"{number} bus {rng.randint(1, 4)}"
                if country == Country.BELGIUM
                else f"{number}-{rng.randint(1, 3)}"
            )
        if roll < 0.08:
            return f"{number}{rng.choice('AB')}"
        return str(number)

    def _channels(self, country: str) -> dict:
        """Who gets messages how. Belgian BINs lean on SMS for urgent alerts; the
        Dutch model runs through the coordinator's email."""
        rng = self.rng
        roll = rng.random()
        voice_share = 0.10 if country == Country.BELGIUM else 0.08
        if roll >= 1 - voice_share:
            # Mostly older residents without a smartphone: a call on the landline.
            has_mobile = rng.random() < 0.5
            return {
                "by_sms": has_mobile,
                "by_email": country == Country.NETHERLANDS,
                "by_voice": True,
                "mobile_phone": self._mobile(country) if has_mobile else "",
                "landline": self._landline(country),
            }
        if country == Country.BELGIUM:
            by_sms, by_email = [(True, True), (False, True), (True, False)][
                0 if roll < 0.55 else 1 if roll < 0.75 else 2
            ]
        else:
            by_sms, by_email = (False, True) if roll < 0.65 else (True, True)
        has_mobile = by_sms or rng.random() < 0.5
        return {
            "by_sms": by_sms,
            "by_email": by_email,
            "by_voice": False,
            "mobile_phone": self._mobile(country) if has_mobile else "",
            "landline": "",
        }

    def person(self, *, country: str, streets: tuple[StreetSpec, ...]) -> dict:
        """Keyword arguments for ``member_create`` (without network and consents)."""
        rng = self.rng
        languages, weights = zip(*LANGUAGE_WEIGHTS[country], strict=True)
        language = rng.choices(languages, weights)[0]
        first_name, last_name = self._name(country, language)
        street = rng.choice(streets)
        self.serial += 1
        roll = rng.random()
        status = (
            Member.Status.PENDING
            if roll < 0.05
            else Member.Status.SUSPENDED
            if roll < 0.08
            else Member.Status.ACTIVE
        )
        return {
            "first_name": first_name,
            "last_name": last_name,
            "street": street.name,
            "house_number": self._house_number(country, street),
            "postcode": street.postcode,
            "email": f"{_email_part(first_name)}.{_email_part(last_name)}{self.serial}@example.org",
            "language": str(language),
            "status": status,
            **self._channels(country),
        }


# --- The command --------------------------------------------------------------


@dataclass
class SeedResult:
    """What a run printed and how much of it was new."""

    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    members_created: int = 0
    users_created: int = 0


def _seed_places() -> dict[str, Network]:
    zones: dict[str, PoliceZone] = {}
    for spec in ZONES:
        zone, _created = PoliceZone.objects.update_or_create(
            number=spec.number, defaults={"name": spec.name, "country": spec.country}
        )
        zone.full_clean()
        zones[spec.number] = zone
    municipalities: dict[str, Municipality] = {}
    for spec in MUNICIPALITIES:
        municipality, _created = Municipality.objects.update_or_create(
            official_code=spec.official_code,
            defaults={
                "name": spec.name,
                "province": spec.province,
                "police_zone": zones[spec.zone_number],
            },
        )
        municipality.full_clean()
        municipalities[spec.official_code] = municipality
    networks: dict[str, Network] = {}
    for spec in NETWORKS:
        municipality = municipalities[spec.municipality_code]
        network, _created = Network.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "country": municipality.police_zone.country,
                "municipality": municipality,
                "police_zone": municipality.police_zone,
                "status": spec.status,
                "founded_on": spec.founded_on,
                "public_description": spec.description,
                "languages": list(spec.languages),
            },
        )
        # Validated after the write: a mistake in the data above aborts the whole
        # transaction instead of leaving a network that the forms would reject.
        network.full_clean()
        for street_spec in spec.streets:
            street, _created = Street.objects.update_or_create(
                network=network,
                name=street_spec.name,
                postcode=street_spec.postcode,
                number_from=street_spec.number_from,
                defaults={"number_to": street_spec.number_to, "parity": street_spec.parity},
            )
            street.full_clean()
        networks[spec.slug] = network
    return networks


def _enrol_mfa(user) -> str:
    """Give the user a TOTP authenticator and recovery codes; return the secret."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = demo_totp_secret(user.email)
        TOTP.activate(user, secret)
    else:
        # Someone re-enrolled through the UI: print the secret that works now.
        secret = decrypt(totp.data["secret"])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return secret


def _seed_users(*, password: str, networks: dict[str, Network], result: SeedResult) -> dict:
    User = get_user_model()
    scopes = {
        "network": networks,
        "police_zone": {zone.number: zone for zone in PoliceZone.objects.all()},
        "municipality": {m.official_code: m for m in Municipality.objects.all()},
    }
    # Hashing is slow on purpose; one shared hash (and one check per distinct
    # stored hash) keeps a re-run at a single hash computation.
    hashed = make_password(password)
    checked: dict[str, bool] = {hashed: True}
    users = {}
    admin = None
    for spec in DEMO_USERS:
        is_admin = spec.role == Role.ADMIN
        user, created = User.objects.update_or_create(
            email=spec.email,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "preferred_language": spec.language,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        result.users_created += created
        if user.password not in checked:
            checked[user.password] = check_password(password, user.password)
        if not checked[user.password]:
            # The printed table must be true: put the requested password back.
            user.password = hashed
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if is_admin:
            admin = user
        scope = {}
        scope_label = "—"
        if spec.scope_kind:
            target = scopes[spec.scope_kind][spec.scope_key]
            scope = {spec.scope_kind: target}
            scope_label = str(target)
        role_grant(granted_by=admin, user=user, role=spec.role, check_permission=False, **scope)
        secret = _enrol_mfa(user)
        result.logins.append((user.email, str(Role(spec.role).label), scope_label, secret))
        users[spec.email] = user
    return users


def _seed_members(*, networks: dict[str, Network], users: dict, result: SeedResult) -> None:
    # Seeded on purpose: the same made-up people on every run; nothing secret.
    people = PeopleGenerator(random.Random(RANDOM_SEED))  # nosec B311
    # Paper forms are entered by the network's coordinator where the demo has one.
    recorded_by = {
        spec.scope_key: users[spec.email] for spec in DEMO_USERS if spec.role == Role.COORDINATOR
    }
    admin = users[DEMO_USERS[0].email]
    for spec in NETWORKS:
        network = networks[spec.slug]
        existing = set(network.members.values_list("email", flat=True))
        for _ in range(spec.member_count):
            # Always draw, even for people who exist: the generator must stay in
            # step so that the next person is the same as on the first run.
            person = people.person(country=network.country, streets=spec.streets)
            if person["email"] in existing:
                continue
            member_create(
                network=network,
                consents=CONSENTS,
                recorded_by=recorded_by.get(spec.slug, admin),
                **person,
            )
            result.members_created += 1


def seed_demo(*, password: str = DEFAULT_PASSWORD) -> SeedResult:
    """Create or complete the demo data set in one transaction and return the
    logins (email, role, scope, TOTP secret) and how much was new."""
    result = SeedResult()
    with transaction.atomic():
        networks = _seed_places()
        users = _seed_users(password=password, networks=networks, result=result)
        _seed_members(networks=networks, users=users, result=result)
        seed_charters(networks=networks, users=users)
        seed_governance_demo(networks=networks, users=users)
        # The demo list was collected and checked by hand: its addresses count
        # as verified, so pending demo members wait in the approval queue.
        now = timezone.now()
        Member.objects.filter(network__in=networks.values(), email_verified_at__isnull=True).update(
            email_verified_at=now, phone_verified_at=now
        )
        surveys_demo.seed_surveys()
    return result


class Command(BaseCommand):
    help = (
        "Create demo police zones, networks, streets, 300+ members and one login per role "
        "(with TOTP enrolled). Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo login (default: {DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a production database: the demo "
            "admin's password and TOTP secret are public.",
        )

    def handle(self, *args, password: str, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates logins with public passwords; it runs only with DEBUG on "
                "(or --force on a throw-away database)."
            )
        started = time.monotonic()
        # member_create logs each member at INFO; 300 such lines would bury the
        # logins table below.
        member_log = logging.getLogger("members.services")
        previous_level = member_log.level
        member_log.setLevel(logging.WARNING)
        try:
            result = seed_demo(password=password)
        finally:
            member_log.setLevel(previous_level)
        self._print_logins(result, password)
        self._print_summary(result, time.monotonic() - started)

    def _print_logins(self, result: SeedResult, password: str) -> None:
        header = ("Login", "Role", "Scope", "Password", "TOTP secret")
        rows = [
            (email, role, scope, password, secret) for email, role, scope, secret in result.logins
        ]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

        def line(row) -> str:
            return "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        self.stdout.write(self.style.MIGRATE_LABEL(line(header)))
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
        self.stdout.write(
            "Every login has two-factor authentication set up. Add the secret to an "
            "authenticator app, or run `python manage.py demo_totp <email>` to print the "
            "current 6-digit code (DEBUG only)."
        )
        self.stdout.write("")

    def _print_summary(self, result: SeedResult, seconds: float) -> None:
        User = get_user_model()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {PoliceZone.objects.count()} police zones, "
                f"{Municipality.objects.count()} municipalities, "
                f"{Network.objects.count()} networks, "
                f"{Member.objects.count()} members ({result.members_created} new), "
                f"{User.objects.count()} users ({result.users_created} new) "
                f"in {seconds:.1f} s."
            )
        )
