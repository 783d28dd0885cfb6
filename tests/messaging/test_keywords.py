"""SMS keywords in the platform's languages and Twilio's own, matched without
case or accents, through the signed Twilio webhook."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from messaging.models import Reply
from messaging.services.keywords import keyword_match, keyword_normalise
from tests.factories import MemberFactory

# autouse: the Twilio token and public URL of the webhook tests.
from tests.messaging.test_webhooks import (
    _twilio,  # noqa: F401
    inbound,
    post,
    twiml_text,
)

OPT_OUT = [
    "STOPPEN", "uitschrijven", "Afmelden", "ARRET", "Arrêt", "arrêter", "DESINSCRIRE",
    "désinscrire", "Désabonner", "HALT", "abmelden", "REVOKE", "optout", "Stop.",
]  # fmt: skip
OPT_IN = ["AANMELDEN", "démarrer", "DEMARRER", "Anmelden", "start"]
HELP = ["HULP", "aide", "Aide", "HILFE", "help?"]


@pytest.mark.parametrize(
    ("body", "action"),
    [*((b, "opt_out") for b in OPT_OUT), *((b, "opt_in") for b in OPT_IN)]
    + [(b, "help") for b in HELP]
    + [("Stopt er een auto?", None), ("", None), ("  ", None), ("Hallo", None)],
)
def test_keyword_match(body, action):
    matched = keyword_match(body)
    assert (matched.action if matched else None) == action


def test_normalise_drops_accents_and_case():
    assert keyword_normalise("Désinscrire") == "DESINSCRIRE"
    assert keyword_normalise("arrêt") == "ARRET"


@pytest.mark.parametrize("body", OPT_OUT)
def test_opt_out_in_every_language_stops_sms(client, world, body):
    member = world.member
    text = twiml_text(inbound(client, member.mobile_phone, body))
    member.refresh_from_db()
    assert member.by_sms is False and member.sms_opted_out_at is not None
    assert "START" in text
    assert not Reply.objects.exists()


@pytest.mark.parametrize("body", OPT_IN)
def test_opt_in_in_every_language_resumes_sms(client, world, body):
    member = world.member
    inbound(client, member.mobile_phone, "ARRÊT", sid="SM" + "0" * 32)
    text = twiml_text(inbound(client, member.mobile_phone, body))
    member.refresh_from_db()
    assert member.by_sms is True and member.sms_opted_out_at is None
    assert "STOP" in text


@pytest.mark.parametrize(
    ("language", "body"), [("fr", "AIDE"), ("de", "Hilfe"), ("nl", "hulp"), ("fr", "HULP")]
)
def test_help_answers_in_the_members_language_with_the_networks_numbers(
    client, world, language, body
):
    Member.objects.filter(pk=world.member.pk).update(language=language)
    text = twiml_text(inbound(client, world.member.mobile_phone, body))
    with translation.override(language):
        expected = _("Emergency numbers: %(numbers)s. This number is not an emergency line.")
    assert expected.split("%(numbers)s")[0].strip() in text
    assert "112" in text and "101" in text
    # The member's language, whatever the keyword's: HULP from a French speaker.
    with translation.override(language):
        assert _("Reply STOP to stop SMS, START to receive them again.") in text


def test_twilio_advanced_opt_out_answered_already(client, world):
    """With Advanced Opt-Out Twilio confirms STOP itself (OptOutType): the
    platform records it but does not answer a second time."""
    member = MemberFactory(network=world.network, mobile_phone="+32470555001")
    params = {
        "From": "+32470555001", "To": "+3278000000", "Body": "Stop",
        "MessageSid": "SM" + "5" * 32, "OptOutType": "STOP",
    }  # fmt: skip
    assert twiml_text(post(client, "twilio_inbound", params)) == ""
    member.refresh_from_db()
    assert member.by_sms is False
    # HELP is left to the platform: its answer names the member's network.
    params.update(Body="HELP", MessageSid="SM" + "6" * 32, OptOutType="HELP")
    assert "112" in twiml_text(post(client, "twilio_inbound", params))


def test_stop_followed_by_words_is_also_kept_as_a_reply(client, world):
    twiml_text(inbound(client, world.member.mobile_phone, "Arrêt, merci pour tout"))
    world.member.refresh_from_db()
    assert world.member.by_sms is False
    assert Reply.objects.get().body == "Arrêt, merci pour tout"
    assert timezone.now() >= world.member.sms_opted_out_at
