"""Voice for the elderly and the deaf: calls that offer "press 1 to hear it
again" (a signed Twilio webhook reads it again), answering machines after
the beep, busy and no-answer redialled once and then SMS or email, and deaf
or hard-of-hearing members who are never called.

The calls go through the real Twilio gateways to the Twilio mock of
``benchmarks/mock_servers.py`` (HTTP, with its fault injection); Twilio's
callbacks are posted signed, as Twilio signs them; the clock is moved on
with ``timezone.now`` patched, as the beat's sweep would find it later.
"""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from benchmarks.mock_servers import TwilioMock
from members.models import DEAF_VOICE_ERROR, Member
from messaging.models import Delivery, Message
from messaging.selectors.messages import message_progress
from messaging.services.lifecycle import message_cancel, message_publish
from messaging.services.sweep import delivery_sweep
from outbox.gateways.base import OutgoingCall
from outbox.gateways.twilio import TwilioVoiceGateway
from outbox.gateways.twiml import MAX_REPEATS
from tests.factories import (
    MemberFactory,
    MessageFactory,
    MunicipalityFactory,
    NetworkFactory,
    PoliceZoneFactory,
)
from tests.messaging.test_webhooks import BASE, TOKEN, post, twilio_signature

ACCOUNT = "AC" + "b" * 32
SENDER = "+3253606464"
TEXTS = {
    "nl": {"sms": "Inbrekers actief in de Kerkstraat", "subject": "Dringend", "body": "Lang"},
    "fr": {"sms": "Cambrioleurs actifs rue de l'Eglise", "subject": "Urgent", "body": "Long"},
}


@pytest.fixture(autouse=True)
def twilio(settings):
    """Both Twilio gateways against the mock, answering at once."""
    with TwilioMock(account_sid=ACCOUNT) as mock:
        mock.set_latency(0)
        options = {
            "base_url": mock.url,
            "account_sid": ACCOUNT,
            "auth_token": TOKEN,
            "from_number": SENDER,
            "status_callback_base": BASE,
        }
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.PUBLIC_BASE_URL = BASE
        settings.TWILIO_WEBHOOK_BASE_URL = ""
        settings.VOICE_REDIAL_SECONDS = 180
        settings.OUTBOX_GATEWAYS = {
            "sms": {"BACKEND": "outbox.gateways.twilio.TwilioSMSGateway", "OPTIONS": options},
            "voice": {"BACKEND": "outbox.gateways.twilio.TwilioVoiceGateway", "OPTIONS": options},
        }
        yield mock


class Clock:
    """``timezone.now`` moved on by ``offset``, for everything that asks it."""

    def __init__(self, monkeypatch) -> None:
        self.offset = timedelta()
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)


def _caller(world, **fields) -> Member:
    """A member who chose voice calls only (a mobile number for SMS fallbacks)."""
    values = {"by_sms": False, "by_email": False, "by_voice": True, "language": "fr"}
    return MemberFactory(network=world.network, **{**values, **fields})


def _publish(world, *, by_sms=False, by_email=False, network=None) -> Message:
    message = MessageFactory(
        kind=Message.Kind.URGENT, texts=TEXTS, created_by=world.users["officer"],
        by_sms=by_sms, by_email=by_email, by_voice=True, networks=[network or world.network],
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    return message


def _calls(twilio, to) -> list[dict]:
    return [m for m in twilio.messages if m["kind"] == "call" and m["to"] == str(to)]


def _texts(twilio, to) -> list[dict]:
    return [m for m in twilio.messages if m["kind"] == "message" and m["to"] == str(to)]


def call_status(client, sid: str, value: str):
    """Twilio's signed status callback of a call."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post(client, "twilio_status", {"CallSid": sid, "CallStatus": value})
    assert response.status_code == 204
    return response


def _twiml(text: str) -> ElementTree.Element:
    root = ElementTree.fromstring(text)  # noqa: S314 - our own TwiML
    assert root.tag == "Response"
    return root


# --- the call's TwiML ----------------------------------------------------------


def test_a_call_reads_the_message_then_offers_to_repeat_it(world, twilio):
    member = _caller(world)
    message = _publish(world)
    delivery = Delivery.objects.get(message=message, member=member, channel="voice")
    assert delivery.status == Delivery.Status.SENT
    [call] = _calls(twilio, member.mobile_phone)
    # Answering machines get the message after the beep.
    assert call["machine_detection"] == "DetectMessageEnd"
    root = _twiml(call["twiml"])
    say, gather = list(root)
    assert say.tag == "Say" and say.text == TEXTS["fr"]["sms"]
    assert say.get("language") == "fr-BE"  # the member's language, Belgian French
    assert gather.tag == "Gather"
    assert gather.get("numDigits") == "1" and gather.get("method") == "POST"
    path = reverse("outbox:twilio_voice_repeat")
    assert gather.get("action") == f"{BASE}{path}?ref=d{delivery.pk}&n=1"
    [prompt] = list(gather)
    assert prompt.get("language") == "fr-BE"
    with translation.override("fr"):
        assert prompt.text == _("Press 1 to hear this message again.")


def test_dutch_is_read_with_a_dutch_voice_in_the_netherlands(world, twilio):
    zone = PoliceZoneFactory(country="NL", name="Basisteam Utrecht", number="9001")
    network = NetworkFactory(
        name="Lombok", slug="lombok", country="NL", languages=["nl"],
        municipality=MunicipalityFactory(police_zone=zone, name="Utrecht"),
    )  # fmt: skip
    member = MemberFactory(
        network=network, by_sms=False, by_email=False, by_voice=True, language="nl",
        mobile_phone="+31612345678",
    )  # fmt: skip
    _publish(world, network=network)
    [call] = _calls(twilio, member.mobile_phone)
    say = _twiml(call["twiml"]).find("Say")
    assert say.get("language") == "nl-NL" and say.text == TEXTS["nl"]["sms"]


def test_voices_by_locale_and_no_machine_detection_when_switched_off():
    gateway = TwilioVoiceGateway(
        account_sid=ACCOUNT, auth_token="t", from_number=SENDER, machine_detection="",
        voices={"nl-NL": "Google.nl-NL-Standard-A", "nl": "Google.nl-BE-Standard-A"},
    )  # fmt: skip
    assert gateway.machine_detection is None
    nl = gateway.twiml(OutgoingCall(to="+31612345678", text="Alarm", language="nl", country="NL"))
    assert 'voice="Google.nl-NL-Standard-A"' in nl
    be = gateway.twiml(OutgoingCall(to="+32470000000", text="Alarm", language="nl", country="BE"))
    assert 'voice="Google.nl-BE-Standard-A"' in be
    # Without a reference or public URL there is nothing to call back: no offer.
    assert "<Gather" not in be


# --- the repeat webhook --------------------------------------------------------


def _repeat(client, delivery, *, n=1, digits="1", signature=None):
    path = reverse("outbox:twilio_voice_repeat") + f"?ref=d{delivery.pk}&n={n}"
    params = {"CallSid": delivery.provider_id, "Digits": digits}
    if signature is None:
        signature = twilio_signature(BASE + path, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, params, headers=headers)


def test_pressing_1_reads_the_message_again(client, world, twilio):
    member = _caller(world)
    delivery = Delivery.objects.get(message=_publish(world), member=member)
    response = _repeat(client, delivery)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    say, gather = list(_twiml(response.content.decode()))
    assert say.text == TEXTS["fr"]["sms"] and say.get("language") == "fr-BE"
    assert gather.get("action").endswith(f"?ref=d{delivery.pk}&n=2")
    # The last repeat offers no further one.
    last = _twiml(_repeat(client, delivery, n=MAX_REPEATS).content.decode())
    assert [e.tag for e in last] == ["Say"]


@pytest.mark.parametrize(
    ("digits", "n", "ref"),
    [("2", "1", None), ("", "1", None), ("1", "0", None), ("1", "99", None), ("1", "1", "x1")],
)
def test_anything_else_ends_the_call(client, world, digits, n, ref):
    member = _caller(world)
    delivery = Delivery.objects.get(message=_publish(world), member=member)
    path = reverse("outbox:twilio_voice_repeat") + f"?ref={ref or f'd{delivery.pk}'}&n={n}"
    params = {"Digits": digits}
    headers = {"X-Twilio-Signature": twilio_signature(BASE + path, params)}
    root = _twiml(client.post(path, params, headers=headers).content.decode())
    assert [e.tag for e in root] == ["Hangup"]


def test_a_cancelled_message_is_not_read_again(client, world):
    member = _caller(world)
    message = _publish(world)
    delivery = Delivery.objects.get(message=message, member=member)
    message_cancel(message=message, cancelled_by=world.users["officer"])
    root = _twiml(_repeat(client, delivery).content.decode())
    assert [e.tag for e in root] == ["Hangup"]


def test_the_repeat_webhook_checks_the_signature_and_bounds(client, world):
    member = _caller(world)
    delivery = Delivery.objects.get(message=_publish(world), member=member)
    assert _repeat(client, delivery, signature="").status_code == 403
    assert _repeat(client, delivery, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    # Signed for another repeat (the query is part of the signed URL).
    path = reverse("outbox:twilio_voice_repeat") + f"?ref=d{delivery.pk}&n=2"
    other = twilio_signature(BASE + path, {"CallSid": delivery.provider_id, "Digits": "1"})
    assert _repeat(client, delivery, signature=other).status_code == 403
    assert _repeat(client, delivery, digits="1" * 50).status_code == 400
    path = reverse("outbox:twilio_voice_repeat")
    headers = {"X-Twilio-Signature": twilio_signature(BASE + path, {})}
    assert client.get(path, headers=headers).status_code == 405
    big = {"Digits": "1", "Padding": "x" * (70 * 1024)}
    signed = {"X-Twilio-Signature": twilio_signature(BASE + path, big)}
    assert client.post(path, big, headers=signed).status_code == 413


@pytest.mark.parametrize("role", ["member", "coordinator", "officer", "admin"])
def test_no_role_opens_the_repeat_webhook_without_twilios_signature(client, world, role):
    # A machine endpoint: a session is worth nothing, only the signature counts.
    member = _caller(world)
    delivery = Delivery.objects.get(message=_publish(world), member=member)
    if world.users.get(role) is not None:
        client.force_login(world.users[role])
    assert _repeat(client, delivery, signature="").status_code == 403


# --- busy, no answer: redial once, then SMS or email ----------------------------


def test_busy_is_redialled_once_then_the_member_gets_an_sms(
    client, world, twilio, monkeypatch, django_capture_on_commit_callbacks
):
    clock = Clock(monkeypatch)
    member = _caller(world)
    message = _publish(world)
    call = Delivery.objects.get(message=message, member=member, channel="voice")
    first_sid = call.provider_id
    message.refresh_from_db()
    assert message_progress(message=message)["finished"]

    # Busy: back in the queue for VOICE_REDIAL_SECONDS, its send queued with that countdown.
    queued = []
    monkeypatch.setattr(
        "messaging.tasks.delivery_send_task.apply_async",
        lambda args, queue, countdown: queued.append((args, countdown)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "twilio_status", {"CallSid": first_sid, "CallStatus": "busy"})
    assert queued == [([[call.pk]], 180)]
    call.refresh_from_db()
    assert call.status == Delivery.Status.QUEUED and call.redials == 1
    assert call.provider_id == "" and call.sent_at is None
    assert call.next_attempt_at == pytest.approx(
        timezone.now() + timedelta(seconds=180), abs=timedelta(seconds=5)
    )
    # Waiting for the redial, the message is not done.
    assert not message_progress(message=message)["finished"]
    monkeypatch.undo()
    clock = Clock(monkeypatch)

    # The same report again changes nothing; before it is due the sweep leaves it.
    call_status(client, first_sid, "busy")
    clock.offset = timedelta(seconds=60)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep()
    assert len(_calls(twilio, member.mobile_phone)) == 1

    # Three minutes later the sweep (or the queued task) dials again.
    clock.offset = timedelta(seconds=181)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep()
    assert len(_calls(twilio, member.mobile_phone)) == 2
    call.refresh_from_db()
    assert call.status == Delivery.Status.SENT and call.provider_id not in ("", first_sid)
    assert call.attempts == 2

    # Nobody answers the second call either: undelivered, and the SMS goes out.
    call_status(client, call.provider_id, "no-answer")
    call.refresh_from_db()
    assert call.status == Delivery.Status.UNDELIVERED and call.redials == 1
    sms = Delivery.objects.get(message=message, member=member, channel="sms")
    assert sms.fallback_for == call and sms.language == "fr"
    assert sms.status == Delivery.Status.SENT
    [text] = _texts(twilio, member.mobile_phone)
    assert text["body"].startswith(TEXTS["fr"]["sms"])  # in the member's language

    # A repeated report adds nothing; the figures count both rows once.
    call_status(client, call.provider_id, "no-answer")
    assert len(_texts(twilio, member.mobile_phone)) == 1
    progress = message_progress(message=message)
    assert progress["table"] == {"voice": {"undelivered": 1}, "sms": {"sent": 1}}
    assert progress["total"] == progress["done"] == 2 and progress["finished"]
    message.refresh_from_db()
    assert message.completed_at is not None


def test_no_mobile_or_sms_stopped_falls_back_to_email(client, world, twilio, monkeypatch):
    clock = Clock(monkeypatch)
    landline_only = _caller(world, mobile_phone="", landline="+3253111111")
    stopped = _caller(world, sms_opted_out_at=timezone.now())
    message = _publish(world)
    calls = {
        m.pk: Delivery.objects.get(message=message, member=m) for m in (landline_only, stopped)
    }
    for call in calls.values():
        call_status(client, call.provider_id, "no-answer")
    clock.offset = timedelta(seconds=200)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep()
    for call in calls.values():
        call.refresh_from_db()
        call_status(client, call.provider_id, "busy")
    emails = Delivery.objects.filter(message=message, channel="email")
    assert {e.member_id for e in emails} == set(calls)
    assert not Delivery.objects.filter(message=message, channel="sms").exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([landline_only.email, stopped.email])


def test_a_member_who_already_got_the_sms_gets_nothing_more(client, world, twilio, monkeypatch):
    clock = Clock(monkeypatch)
    member = _caller(world, by_sms=True)
    message = _publish(world, by_sms=True)
    call = Delivery.objects.get(message=message, member=member, channel="voice")
    call_status(client, call.provider_id, "busy")
    clock.offset = timedelta(seconds=200)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_sweep()
    call.refresh_from_db()
    call_status(client, call.provider_id, "busy")
    assert Delivery.objects.filter(message=message, member=member).count() == 2
    assert len(_texts(twilio, member.mobile_phone)) == 1


def test_a_cancelled_alert_is_not_redialled(client, world, twilio):
    member = _caller(world)
    message = _publish(world)
    call = Delivery.objects.get(message=message, member=member)
    message_cancel(message=message, cancelled_by=world.users["officer"])
    call_status(client, call.provider_id, "busy")
    call.refresh_from_db()
    assert call.status == Delivery.Status.UNDELIVERED and call.redials == 0
    assert not Delivery.objects.filter(message=message, channel="sms").exists()


def test_a_call_the_provider_refuses_falls_back_to_sms_at_once(world, twilio):
    member = _caller(world)
    twilio.fail_numbers([str(member.mobile_phone)])  # 400, Twilio error 21211
    message = _publish(world)
    call = Delivery.objects.get(message=message, member=member, channel="voice")
    assert call.status == Delivery.Status.FAILED and call.error_code == "21211"
    sms = Delivery.objects.get(message=message, member=member, channel="sms")
    assert sms.fallback_for == call
    # The mock refuses every request to that number, the SMS too: then email.
    assert sms.status == Delivery.Status.FAILED
    email = Delivery.objects.get(message=message, member=member, channel="email")
    assert email.fallback_for == sms and [m.to for m in mail.outbox] == [[member.email]]


# --- deaf or hard of hearing ---------------------------------------------------


def test_deaf_members_are_never_called(world, twilio):
    deaf = _caller(world, deaf=True, by_sms=True)
    hearing = _caller(world)
    message = _publish(world, by_sms=True)
    assert not Delivery.objects.filter(message=message, member=deaf, channel="voice").exists()
    assert Delivery.objects.filter(message=message, member=hearing, channel="voice").exists()
    assert _calls(twilio, deaf.mobile_phone) == []
    [sms] = _texts(twilio, deaf.mobile_phone)
    # Their SMS names the text routes to 112, not a number to call.
    assert "112 BE app" in sms["body"] and "112.be" in sms["body"]
    assert deaf.channels == ["sms"]


def test_deaf_members_emails_name_the_text_routes(world, twilio):
    deaf = _caller(world, deaf=True, by_email=True, language="nl")
    _publish(world, by_email=True)
    [email] = [m for m in mail.outbox if m.to == [deaf.email]]
    assert "112 BE app" in email.body and "112.be" in email.body


def test_help_answers_deaf_members_with_text_routes(client, world):
    from tests.messaging.test_webhooks import inbound, twiml_text

    deaf = _caller(world, deaf=True, by_sms=True, language="en")
    text = twiml_text(inbound(client, deaf.mobile_phone, "HELP"))
    assert "112 BE app" in text and "112.be" in text
    assert "101" not in text and "not an emergency line" in text

    zone = PoliceZoneFactory(country="NL", name="Basisteam Utrecht", number="9002")
    network = NetworkFactory(
        name="Lombok", slug="lombok", country="NL", languages=["en"],
        municipality=MunicipalityFactory(police_zone=zone, name="Utrecht"),
    )  # fmt: skip
    dutch = MemberFactory(network=network, language="en", deaf=True, mobile_phone="+31612345679")
    text = twiml_text(inbound(client, dutch.mobile_phone, "help", sid="SM" + "3" * 32))
    assert "112NL app" in text and "0900-8844" not in text and "112 BE" not in text


def test_automatic_answer_to_a_deaf_member_names_the_text_routes(client, world):
    from tests.messaging.test_webhooks import inbound

    deaf = _caller(world, deaf=True, by_sms=True, language="en")
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbound(client, deaf.mobile_phone, "There is someone in my garden now")
    [answer] = _texts_sent_to(deaf)
    assert "112 BE app" in answer and "call 101" not in answer


def _texts_sent_to(member) -> list[str]:
    from outbox.models import Notification

    return list(
        Notification.objects.filter(to=str(member.mobile_phone), channel="sms").values_list(
            "body", flat=True
        )
    )


def test_coordinator_marks_a_member_deaf(client, world):
    member = _caller(world, by_sms=True)
    client.force_login(world.users["coordinator"])
    url = reverse("members:edit", kwargs={"slug": world.network.slug, "pk": member.pk})
    page = client.get(url)
    assert page.status_code == 200 and 'name="deaf"' in page.content.decode()
    data = {
        "first_name": member.first_name, "last_name": member.last_name,
        "street": member.street, "house_number": member.house_number,
        "postcode": member.postcode, "email": member.email,
        "mobile_phone": str(member.mobile_phone), "landline": "", "language": "fr",
        "by_sms": "on", "by_voice": "on", "deaf": "on", "relation": "lives",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["by_voice"] == [str(DEAF_VOICE_ERROR)]
    member.refresh_from_db()
    assert not member.deaf
    del data["by_voice"]
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.deaf and not member.by_voice


def test_sign_up_as_deaf(client, world):
    from tests.members.signup_helpers import submit

    response = submit(client, world.network, by_voice="on", deaf="on")
    assert response.status_code == 200
    assert response.context["form"].errors["by_voice"] == [str(DEAF_VOICE_ERROR)]
    assert 'name="deaf"' in response.content.decode()
    assert not Member.objects.filter(email="an.claes@example.org").exists()
    # Without calls (SMS and email, as the form offers them) the sign-up goes through.
    response = submit(client, world.network, deaf="on")
    assert response.status_code == 302
    member = Member.objects.get(email="an.claes@example.org")
    assert member.deaf and not member.by_voice


def test_personal_page_deaf_setting_and_text_routes(client, world):
    from members.tokens import member_personal_token

    member = _caller(world, by_sms=True, by_voice=False, language="en")
    url = reverse("personal:home", args=[member_personal_token(member=member)])
    page = client.get(url).content.decode()
    assert 'name="deaf"' in page and "112 BE app" not in page
    data = {"language": "en", "by_sms": "on", "by_voice": "on", "deaf": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["by_voice"] == [str(DEAF_VOICE_ERROR)]
    del data["by_voice"]
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.deaf
    page = client.get(url).content.decode()
    assert 'id="emergency-text-routes"' in page and "112 BE app" in page and "112.be" in page
    assert "We do not call you" in page


def test_reach_leaves_calls_out_for_deaf_members(world):
    from messaging.selectors.reach import (
        member_reachable_channels,
        message_unreached,
        network_member_problems,
    )
    from messaging.selectors.recipients import message_recipients

    deaf = _caller(world, deaf=True, by_voice=True)
    assert member_reachable_channels(deaf) == []
    problems = {row.member.pk: [p[0] for p in row.problems] for row in network_member_problems(
        networks=[world.network]
    )}  # fmt: skip
    assert problems[deaf.pk] == ["no_urgent_channel"]
    message = MessageFactory(
        kind=Message.Kind.URGENT, texts=TEXTS, by_sms=False, by_email=False, by_voice=True,
        networks=[world.network],
    )  # fmt: skip
    recipients = message_recipients(message=message)
    assert deaf.pk not in {r.member_id for r in recipients}
    unreached = message_unreached(message=message, recipients=recipients)
    [reason] = [r for r in unreached["reasons"] if r["code"] == "deaf"]
    assert reason["members"] == [deaf]


def test_the_welcome_email_of_a_deaf_member_names_the_text_routes(world):
    from members.services.core import member_welcome_send

    deaf = _caller(world, deaf=True, by_sms=True, language="en")
    hearing = _caller(world, by_sms=True, language="en")
    for member in (deaf, hearing):
        with TestCase.captureOnCommitCallbacks(execute=True):
            member_welcome_send(member=member)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    body = bodies[deaf.email]
    assert "without phoning" in body and "112 BE app" in body and "112.be" in body
    assert "112 BE app" not in bodies[hearing.email] and "101" in bodies[hearing.email]


def test_leaving_forgets_that_a_member_is_deaf(world):
    # Health data: kept only while the member is a member.
    from members.services.core import member_erase

    deaf = _caller(world, deaf=True, by_sms=True)
    member_erase(member=deaf)
    deaf.refresh_from_db()
    assert deaf.status == Member.Status.LEFT and not deaf.deaf


def test_the_repeat_url_uses_the_base_twilio_signs(settings):
    # Behind a tunnel or proxy Twilio calls TWILIO_WEBHOOK_BASE_URL, and the
    # signature is checked against it: the URLs given to Twilio use it too.
    settings.PUBLIC_BASE_URL = "https://bin.example.org"
    settings.TWILIO_WEBHOOK_BASE_URL = "https://tunnel.example.net"
    gateway = TwilioVoiceGateway(account_sid=ACCOUNT, auth_token="t", from_number=SENDER)
    twiml = gateway.twiml(OutgoingCall(to="+32470000000", text="Alarm", reference="d7"))
    assert 'action="https://tunnel.example.net/webhooks/twilio/voice/repeat/?ref=d7' in twiml
    assert gateway.status_callback == "https://tunnel.example.net/webhooks/twilio/status/"
