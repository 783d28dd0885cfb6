"""More demo places, so the national overview and the comparison between
networks show figures instead of "< 5" everywhere: a second Flemish zone's
networks, Walloon networks in French (Namur), bilingual Brussels and more
Dutch networks in Utrecht. Small networks (a dozen members each) keep
``seed_demo`` fast; ``demo.networks`` adds them to its lists."""

from __future__ import annotations

import datetime

from demo.networks import (
    EVEN,
    MUNICIPALITIES,
    NETWORKS,
    ODD,
    ZONES,
    MunicipalitySpec,
    NetworkSpec,
    StreetSpec,
    ZoneSpec,
)
from networks.models import Country, Network

EXTRA_ZONES = (
    ZoneSpec("5303", "Namur Capitale", Country.BELGIUM),
    ZoneSpec("5339", "Bruxelles-Capitale/Ixelles", Country.BELGIUM),
    ZoneSpec("5415", "Aalst", Country.BELGIUM),
)

EXTRA_MUNICIPALITIES = (
    MunicipalitySpec("92094", "Namur", "Namur", "5303"),
    MunicipalitySpec("21004", "Bruxelles", "Bruxelles-Capitale", "5339"),
    MunicipalitySpec("21009", "Ixelles", "Bruxelles-Capitale", "5339"),
    MunicipalitySpec("41002", "Aalst", "Oost-Vlaanderen", "5415"),
)


# Who lives there: French in Namur, both languages in Brussels.
_SPEAKERS = {
    ("fr",): (("fr", 100),),
    ("fr", "nl"): (("fr", 60), ("nl", 35), ("en", 5)),
}


def _network(slug, name, code, languages, description, streets, members=12, **extra):
    return NetworkSpec(
        member_languages=_SPEAKERS.get(tuple(languages), ()),
        slug=slug,
        name=name,
        municipality_code=code,
        kind=extra.get("kind", Network.Kind.BIN),
        status=extra.get("status", Network.Status.ACTIVE),
        languages=languages,
        founded_on=extra.get("founded_on", datetime.date(2017, 4, 1)),
        description=description,
        streets=streets,
        member_count=members,
    )


_NAMUR = (
    "Réseau d'information de quartier de {place}, avec la zone de police Namur Capitale et la "
    "Ville de Namur. La police envoie les alertes urgentes par SMS et les conseils de "
    "prévention par e-mail. Le PLP n'est pas un numéro d'urgence : en cas d'urgence, "
    "appelez le 112."
)
_BRUSSELS = (
    "Réseau d'information de quartier / buurtinformatienetwerk {place}, avec la zone de police "
    "Bruxelles-Capitale/Ixelles. Les messages sont envoyés en français et en néerlandais; "
    "de berichten worden in het Frans en het Nederlands verstuurd."
)
_AALST = "Buurtinformatienetwerk {place}, samen met de politiezone Aalst en de stad Aalst."
_UTRECHT = (
    "Buurtinformatienetwerk {place} in Utrecht, met het basisteam Utrecht-Stad. De "
    "coördinator stuurt de BIN-berichten per e-mail door."
)

EXTRA_NETWORKS = (
    _network("jambes", "BIN Jambes", "92094", ["fr"], _NAMUR.format(place="Jambes"), (
        StreetSpec("Avenue Jean Materne", "5100", 1, 199),
        StreetSpec("Rue de Dave", "5100"),
        StreetSpec("Boulevard de la Meuse", "5100", 2, 120, EVEN),
    ), members=16),
    _network("salzinnes", "BIN Salzinnes", "92094", ["fr"], _NAMUR.format(place="Salzinnes"), (
        StreetSpec("Rue Patenier", "5000"),
        StreetSpec("Avenue de Salzinnes", "5000"),
        StreetSpec("Rue des Brasseurs", "5000", 1, 99, ODD),
    )),
    _network("bouge", "BIN Bouge", "92094", ["fr"], _NAMUR.format(place="Bouge"), (
        StreetSpec("Rue du Grand Babin", "5004"),
        StreetSpec("Chaussée de Louvain", "5004", 400, 600),
    )),
    _network("wepion", "BIN Wépion", "92094", ["fr"], _NAMUR.format(place="Wépion"), (
        StreetSpec("Chaussée de Dinant", "5100", 1000, 1300),
        StreetSpec("Rue Mazy", "5100"),
    )),
    _network("erpent", "BIN Erpent", "92094", ["fr"], _NAMUR.format(place="Erpent"), (
        StreetSpec("Chaussée de Marche", "5101", 500, 800),
        StreetSpec("Rue du Ry de Rabot", "5101"),
    )),
    _network("quartier-nord-est", "BIN Quartier Nord-Est / Noordoostwijk", "21004",
             ["fr", "nl"], _BRUSSELS.format(place="Quartier Nord-Est / Noordoostwijk"), (
        StreetSpec("Rue de Gravelines / Grevelingenstraat", "1000"),
        StreetSpec("Square Ambiorix / Ambiorixsquare", "1000"),
    ), members=14),
    _network("flagey", "BIN Flagey", "21009", ["fr", "nl"], _BRUSSELS.format(place="Flagey"), (
        StreetSpec("Rue du Belvédère / Belvédèrestraat", "1050"),
        StreetSpec("Rue de la Brasserie / Brouwerijstraat", "1050"),
    )),
    _network("boondael", "BIN Boondael", "21009", ["fr", "nl"],
             _BRUSSELS.format(place="Boondael"), (
        StreetSpec("Chaussée de Boondael / Boondaalsesteenweg", "1050", 300, 600),
        StreetSpec("Avenue de l'Université / Universiteitslaan", "1050"),
    )),
    _network("hofstade", "BIN Hofstade", "41002", ["nl"], _AALST.format(place="Hofstade"), (
        StreetSpec("Hofstade-Dorp", "9308"),
        StreetSpec("Bergstraat", "9308", 1, 80),
    )),
    _network("baardegem", "BIN Baardegem", "41002", ["nl"], _AALST.format(place="Baardegem"), (
        StreetSpec("Dorpsstraat", "9310"),
        StreetSpec("Kerkevijverstraat", "9310"),
    )),
    _network("wittevrouwen", "BIN Wittevrouwen", "GM0344", ["nl", "en"],
             _UTRECHT.format(place="Wittevrouwen"), (
        StreetSpec("Wittevrouwenstraat", "3512 CS"),
        StreetSpec("Obrechtstraat", "3572 EA"),
    )),
    _network("oudwijk", "BIN Oudwijk", "GM0344", ["nl"], _UTRECHT.format(place="Oudwijk"), (
        StreetSpec("Oudwijk", "3581 TH"),
        StreetSpec("Burgemeester Reigerstraat", "3581 KP"),
    )),
    _network("dichterswijk", "BIN Dichterswijk", "GM0344", ["nl"],
             _UTRECHT.format(place="Dichterswijk"), (
        StreetSpec("Vondelstraat", "3513 GW"),
        StreetSpec("Bilderdijkstraat", "3532 VB"),
    )),
    _network("zuilen", "BIN Zuilen", "GM0344", ["nl"], _UTRECHT.format(place="Zuilen"), (
        StreetSpec("Amsterdamsestraatweg", "3555 EA", 400, 700),
        StreetSpec("Prins Bernhardstraat", "3554 CE"),
    )),
)  # fmt: skip

# What ``seed_demo`` seeds: the first places, then these (members are drawn
# in this order, so the first networks keep the same people).
ALL_ZONES = ZONES + EXTRA_ZONES
ALL_MUNICIPALITIES = MUNICIPALITIES + EXTRA_MUNICIPALITIES
ALL_NETWORKS = NETWORKS + EXTRA_NETWORKS
