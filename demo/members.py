"""Demo members: 300+ made-up residents of the demo networks, the same people
on every run (a seeded generator), added only when missing."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from demo.accounts import DEMO_USERS
from demo.networks import StreetSpec
from demo.places import ALL_NETWORKS
from members.models import ConsentRecord, Language, Member
from members.services.core import member_create
from networks.models import Country, Network, Role

if TYPE_CHECKING:
    from demo.seed import SeedResult

RANDOM_SEED = 2026


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

    def person(
        self, *, country: str, streets: tuple[StreetSpec, ...], speakers: tuple = ()
    ) -> dict:
        """Keyword arguments for ``member_create`` (without network and consents);
        ``speakers``: the network's languages and weights, else the country's."""
        rng = self.rng
        languages, weights = zip(*(speakers or LANGUAGE_WEIGHTS[country]), strict=True)
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


def seed_members(*, networks: dict[str, Network], users: dict, result: SeedResult) -> None:
    """Add the demo residents that are missing, entered on paper by the
    network's coordinator (or the admin); count them in ``result``."""
    # Seeded on purpose: the same made-up people on every run; nothing secret.
    people = PeopleGenerator(random.Random(RANDOM_SEED))  # noqa: S311  # nosec B311
    # Paper forms are entered by the network's coordinator where the demo has one.
    recorded_by = {
        spec.scope_key: users[spec.email] for spec in DEMO_USERS if spec.role == Role.COORDINATOR
    }
    admin = users[DEMO_USERS[0].email]
    for spec in ALL_NETWORKS:
        network = networks[spec.slug]
        existing = set(network.members.values_list("email", flat=True))
        for _ in range(spec.member_count):
            # Always draw, even for people who exist: the generator must stay in
            # step so that the next person is the same as on the first run.
            person = people.person(
                country=network.country, streets=spec.streets, speakers=spec.member_languages
            )
            if person["email"] in existing:
                continue
            member_create(
                network=network,
                consents=CONSENTS,
                recorded_by=recorded_by.get(spec.slug, admin),
                **person,
            )
            result.members_created += 1
