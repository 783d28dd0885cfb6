"""Demo places: two police zones, three municipalities and five networks with
their streets (``demo.places`` adds more). ``seed_networks`` brings them back
to what is written here on every run."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from networks.models import Country, Municipality, Network, PoliceZone, Street

ALL, EVEN, ODD = Street.Parity.ALL, Street.Parity.EVEN, Street.Parity.ODD


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
    # The languages its demo members speak, with weights; empty: the
    # country's mix (demo.members.LANGUAGE_WEIGHTS).
    member_languages: tuple[tuple[str, int], ...] = ()


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


def seed_networks(
    *,
    zone_specs: tuple[ZoneSpec, ...] = ZONES,
    municipality_specs: tuple[MunicipalitySpec, ...] = MUNICIPALITIES,
    network_specs: tuple[NetworkSpec, ...] = NETWORKS,
) -> dict[str, Network]:
    """Create or update the zones, municipalities, networks and streets; return
    the networks by slug. ``demo.places`` adds more places to these lists."""
    zones: dict[str, PoliceZone] = {}
    for spec in zone_specs:
        zone, _created = PoliceZone.objects.update_or_create(
            number=spec.number, defaults={"name": spec.name, "country": spec.country}
        )
        zone.full_clean()
        zones[spec.number] = zone
    municipalities: dict[str, Municipality] = {}
    for spec in municipality_specs:
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
    for spec in network_specs:
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
