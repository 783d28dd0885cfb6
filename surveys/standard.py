"""The standard BIN evaluation, as police zones ask their members.

Modelled on the anonymous evaluation of the Erpe-Mere/Lede police zone
(functioning, recognisability and communication of the network). The texts
are content, not interface: they are kept here in Dutch, French and English
and copied into the survey's questions, so that a member answers in their
own language. Keys are stable: the benchmark compares answers to the same
question key across networks, so never reuse a key for another question —
make a new template key instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StandardQuestion:
    key: str
    kind: str
    text: dict
    choices: tuple = ()
    required: bool = False


@dataclass(frozen=True)
class StandardTemplate:
    key: str
    name: object  # lazy translation, for the staff interface
    title: dict
    intro: dict
    questions: tuple[StandardQuestion, ...] = field(default_factory=tuple)


def _c(key: str, nl: str, fr: str, en: str) -> dict:
    return {"key": key, "label": {"nl": nl, "fr": fr, "en": en}}


YES_NO_UNSURE = (
    _c("yes", "Ja", "Oui", "Yes"),
    _c("no", "Nee", "Non", "No"),
    _c("unsure", "Weet ik niet", "Je ne sais pas", "Not sure"),
)

BIN_EVALUATION = StandardTemplate(
    key="bin-evaluation-v1",
    name=_("Standard BIN evaluation (functioning, recognisability, communication)"),
    title={
        "nl": "Evaluatie van ons buurtinformatienetwerk",
        "fr": "Évaluation de notre réseau d'information de quartier",
        "en": "Evaluation of our neighbourhood information network",
    },
    intro={
        "nl": "Met deze korte, anonieme evaluatie willen we inzicht krijgen in de werking, "
        "herkenbaarheid en communicatie van ons BIN. De resultaten maken we later bekend via "
        "een BIN-bericht. Alvast bedankt!",
        "fr": "Cette courte évaluation anonyme nous aide à comprendre le fonctionnement, la "
        "visibilité et la communication de notre RIQ. Les résultats seront publiés plus tard "
        "dans un message du réseau. Merci d'avance !",
        "en": "This short, anonymous evaluation helps us understand how our network works, how "
        "recognisable it is and how it communicates. The results will be published later in a "
        "network message. Thank you!",
    },
    questions=(
        # --- Functioning
        StandardQuestion(
            "functioning_safety",
            "scale",
            {
                "nl": "Het BIN draagt bij aan de veiligheid in mijn buurt.",
                "fr": "Le RIQ contribue à la sécurité dans mon quartier.",
                "en": "The network contributes to safety in my neighbourhood.",
            },
            required=True,
        ),
        StandardQuestion(
            "functioning_cooperation",
            "scale",
            {
                "nl": "De samenwerking tussen bewoners, politie en gemeente in het BIN loopt goed.",
                "fr": "La collaboration entre habitants, police et commune au sein du RIQ "
                "fonctionne bien.",
                "en": "Cooperation between residents, police and municipality in the network "
                "works well.",
            },
            required=True,
        ),
        StandardQuestion(
            "functioning_reported",
            "single",
            {
                "nl": "Hebt u het afgelopen jaar iets verdachts gemeld aan de politie?",
                "fr": "Avez-vous signalé quelque chose de suspect à la police au cours de "
                "l'année écoulée ?",
                "en": "Have you reported something suspicious to the police in the past year?",
            },
            (
                _c("yes", "Ja", "Oui", "Yes"),
                _c(
                    "nothing",
                    "Nee, er was niets te melden",
                    "Non, rien à signaler",
                    "No, there was nothing to report",
                ),
                _c(
                    "hesitated",
                    "Nee, hoewel ik iets gezien had",
                    "Non, alors que j'avais vu quelque chose",
                    "No, although I had seen something",
                ),
            ),
        ),
        # --- Recognisability
        StandardQuestion(
            "recognisability_signs",
            "single",
            {
                "nl": "Hebt u de BIN-borden aan de ingangen van de buurt opgemerkt?",
                "fr": "Avez-vous remarqué les panneaux RIQ aux entrées du quartier ?",
                "en": "Have you noticed the network's signs at the entrances of the area?",
            },
            YES_NO_UNSURE,
        ),
        StandardQuestion(
            "recognisability_coordinator",
            "single",
            {
                "nl": "Weet u wie de coördinator van uw BIN is?",
                "fr": "Savez-vous qui est le coordinateur de votre RIQ ?",
                "en": "Do you know who the coordinator of your network is?",
            },
            (
                _c(
                    "contact",
                    "Ja, en ik weet hoe ik hem of haar bereik",
                    "Oui, et je sais comment le ou la joindre",
                    "Yes, and I know how to reach them",
                ),
                _c(
                    "name",
                    "Ik ken alleen de naam",
                    "Je connais seulement son nom",
                    "I only know their name",
                ),
                _c("no", "Nee", "Non", "No"),
            ),
        ),
        StandardQuestion(
            "recognisability_neighbours",
            "single",
            {
                "nl": "Weten uw buren dat uw buurt een BIN heeft?",
                "fr": "Vos voisins savent-ils que votre quartier a un RIQ ?",
                "en": "Do your neighbours know that your area has a network?",
            },
            (
                _c("most", "De meesten", "La plupart", "Most of them"),
                _c("some", "Sommigen", "Certains", "Some"),
                _c("few", "Bijna niemand", "Presque personne", "Hardly anyone"),
                _c("unsure", "Weet ik niet", "Je ne sais pas", "Not sure"),
            ),
        ),
        # --- Communication
        StandardQuestion(
            "communication_frequency",
            "single",
            {
                "nl": "Hoe vindt u het aantal BIN-berichten dat u ontvangt?",
                "fr": "Que pensez-vous du nombre de messages du RIQ que vous recevez ?",
                "en": "How do you find the number of network messages you receive?",
            },
            (
                _c("too_many", "Te veel", "Trop", "Too many"),
                _c("right", "Goed zo", "Juste ce qu'il faut", "About right"),
                _c("too_few", "Te weinig", "Trop peu", "Too few"),
            ),
            required=True,
        ),
        StandardQuestion(
            "communication_useful",
            "scale",
            {
                "nl": "De berichten die ik ontvang zijn nuttig.",
                "fr": "Les messages que je reçois sont utiles.",
                "en": "The messages I receive are useful.",
            },
            required=True,
        ),
        StandardQuestion(
            "communication_feedback",
            "scale",
            {
                "nl": "Ik krijg voldoende terugkoppeling (feedback) over meldingen en "
                "waarschuwingen.",
                "fr": "Je reçois suffisamment de retours (feedback) sur les signalements et "
                "les alertes.",
                "en": "I get enough feedback on reports and alerts.",
            },
        ),
        StandardQuestion(
            "communication_channels",
            "multiple",
            {
                "nl": "Via welke kanalen wilt u BIN-berichten ontvangen?",
                "fr": "Par quels canaux souhaitez-vous recevoir les messages du RIQ ?",
                "en": "Through which channels would you like to receive network messages?",
            },
            (
                _c("sms", "Sms", "SMS", "Text message (SMS)"),
                _c("email", "E-mail", "E-mail", "Email"),
                _c("voice", "Telefoonoproep", "Appel téléphonique", "Phone call"),
                _c(
                    "paper",
                    "Nieuwsbrief op papier",
                    "Lettre d'information papier",
                    "Newsletter on paper",
                ),
            ),
        ),
        # --- Overall
        StandardQuestion(
            "overall_satisfaction",
            "scale",
            {
                "nl": "Hoe tevreden bent u, alles samen, over uw BIN?",
                "fr": "Dans l'ensemble, êtes-vous satisfait(e) de votre RIQ ?",
                "en": "Overall, how satisfied are you with your network?",
            },
            required=True,
        ),
        StandardQuestion(
            "overall_comment",
            "text",
            {
                "nl": "Hebt u nog opmerkingen of suggesties?",
                "fr": "Avez-vous des remarques ou des suggestions ?",
                "en": "Any remarks or suggestions?",
            },
        ),
    ),
)

STANDARD_TEMPLATES: dict[str, StandardTemplate] = {BIN_EVALUATION.key: BIN_EVALUATION}


def standard_template(key: str) -> StandardTemplate | None:
    return STANDARD_TEMPLATES.get(key)


def template_choices() -> list[tuple[str, object]]:
    """For the create form: custom questions, or one of the standard templates."""
    return [("", _("Custom questions")), *((t.key, t.name) for t in STANDARD_TEMPLATES.values())]
