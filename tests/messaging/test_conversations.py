"""Conversations: every free-text reply (signed Twilio webhook, email, the
personal page) joins the member's open conversation, gets one automatic
answer every few hours in the member's language, and an urgent one reaches
the zone's officers and the network's coordinators at once."""

from __future__ import annotations

from datetime import timedelta

from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent
from anymail.signals import inbound as anymail_inbound
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from messaging.models import (
    Conversation,
    ConversationEvent,
    Delivery,
    Message,
    Reply,
    WatchWordList,
)
from messaging.selectors.conversations import conversation_watch_words_found
from messaging.services.conversations import conversation_reply_receive
from networks.models import Country, Role
from outbox.gateways import locmem
from outbox.models import Notification
from tests.factories import (
    MemberFactory,
    MunicipalityFactory,
    NetworkFactory,
    PoliceZoneFactory,
    user_with_role,
)
from tests.messaging.test_webhooks import _publish, _twilio, inbound  # noqa: F401 (autouse)

ALERT_STAFF = "urgent_reply"


def _sms(client, member, body, n=1):
    return inbound(client, member.mobile_phone, body, sid=f"SM{n:032d}")


def _notifications(kind, channel=None):
    rows = Notification.objects.filter(kind=kind)
    if channel:
        rows = rows.filter(channel=channel)
    return list(rows.order_by("pk"))


def _age(message: Message, hours: float) -> None:
    Message.objects.filter(pk=message.pk).update(
        published_at=timezone.now() - timedelta(hours=hours)
    )


# --- automatic answer -----------------------------------------------------------


def test_a_free_text_sms_gets_an_automatic_answer_in_the_members_language(client, world):
    _publish(world)
    _sms(client, world.member, "Hij staat nu bij de buren")
    reply = Reply.objects.get()
    assert reply.conversation is not None and reply.conversation.member == world.member
    (answer,) = _notifications("reply_auto_answer")
    assert answer.channel == "sms" and answer.to == str(world.member.mobile_phone)
    # Belgian network, Dutch member: 112 and the police's 101, in Dutch.
    assert "112" in answer.body and "101" in answer.body
    assert "niet" in answer.body.lower() and "Oordegem" in answer.body
    assert reply.conversation.events.filter(kind=ConversationEvent.Kind.AUTO_ANSWER).count() == 1


def test_the_automatic_answer_follows_language_and_country(client, world):
    zone = PoliceZoneFactory(country=Country.NETHERLANDS)
    network = NetworkFactory(
        country=Country.NETHERLANDS, police_zone=zone,
        municipality=MunicipalityFactory(police_zone=zone),
    )  # fmt: skip
    member = MemberFactory(network=network, language="fr", mobile_phone="+31612345678")
    _sms(client, member, "Il y a quelqu'un dans la rue")
    (answer,) = _notifications("reply_auto_answer")
    assert "112" in answer.body and "0900-8844" in answer.body and "101" not in answer.body
    assert "merci" in answer.body.lower()


def test_at_most_one_automatic_answer_per_conversation_every_few_hours(client, world, settings):
    settings.REPLY_AUTO_ANSWER_HOURS = 4
    _publish(world)
    for n in range(1, 4):  # an auto-responder answering our answer, three times
        _sms(client, world.member, f"Automatisch antwoord {n}", n=n)
    assert len(_notifications("reply_auto_answer")) == 1
    conversation = Conversation.objects.get()
    assert conversation.replies.count() == 3
    # Hours later, the same conversation gets one again.
    Conversation.objects.filter(pk=conversation.pk).update(
        auto_answered_at=timezone.now() - timedelta(hours=4, minutes=1)
    )
    _sms(client, world.member, "Nog iets", n=4)
    assert len(_notifications("reply_auto_answer")) == 2


def test_no_automatic_sms_after_stop(client, world):
    _publish(world)
    _sms(client, world.member, "STOP, ik zag wel iemand in mijn tuin")
    assert Reply.objects.count() == 1
    assert _notifications("reply_auto_answer") == []


def test_an_unknown_number_gets_no_answer_and_no_conversation(client, world):
    inbound(client, "+32479999999", "Wie is dit?")
    assert Reply.objects.get().conversation is None
    assert Notification.objects.count() == 0


# --- threads -------------------------------------------------------------------


def test_the_next_message_continues_the_open_conversation(client, world):
    first = _publish(world)
    _sms(client, world.member, "Ik zag een gele Polo", n=1)
    _publish(world)  # a newer alert reaches the member meanwhile
    _sms(client, world.member, "Hij reed richting de kerk", n=2)
    conversation = Conversation.objects.get()
    assert conversation.message == first
    assert [r.message_id for r in conversation.replies.all()] == [first.pk, first.pk]


def test_after_closing_a_new_message_opens_a_new_conversation(client, world):
    _publish(world)
    _sms(client, world.member, "Gezien", n=1)
    Conversation.objects.update(status=Conversation.Status.CLOSED)
    _sms(client, world.member, "Nog eens gezien", n=2)
    assert Conversation.objects.count() == 2
    assert Conversation.objects.filter(status=Conversation.Status.OPEN).count() == 1


def test_an_email_reply_joins_the_conversation_about_its_message(world, settings):
    settings.REPLY_TO_DOMAIN = "replies.bin.example.org"
    message = _publish(world, by_email=True)
    delivery = Delivery.objects.get(message=message, member=world.member, channel="email")
    from messaging.services.email_replies import email_reply_address

    address = email_reply_address(delivery_id=delivery.pk)
    for n, headers in enumerate([[], [("Auto-Submitted", "auto-replied")]]):
        event = AnymailInboundEvent(
            event_type="inbound",
            message=AnymailInboundMessage.construct(
                from_email=world.member.email, to=address, subject="Re: alert",
                text=f"Ik zag ze {n}", headers=[("Message-ID", f"<m{n}@x>"), *headers],
            ),
        )  # fmt: skip
        anymail_inbound.send(sender=object, event=event, esp_name="test")
    conversation = Conversation.objects.get()
    assert conversation.message == message and conversation.replies.count() == 2
    # Only the person got the automatic answer, not the out-of-office robot
    # (and not twice anyway: one per conversation every few hours).
    (answer,) = _notifications("reply_auto_answer")
    assert answer.channel == "email" and answer.to == world.member.email


# --- urgent replies --------------------------------------------------------------


def test_a_reply_to_a_recent_urgent_alert_notifies_officers_and_coordinators(client, world):
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    officer.mobile_phone, officer.urgent_replies_by_sms = "+32470999001", True
    officer.save()
    _publish(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        _sms(client, world.member, "Ze lopen richting het station")
    conversation = Conversation.objects.get()
    assert conversation.urgency == Conversation.Urgency.URGENT_ALERT
    emails = {n.to for n in _notifications(ALERT_STAFF, "email")}
    # The zone's officer and the network's coordinator and co-coordinator; not
    # the steering committee, other zones or other networks.
    assert emails == {
        officer.email, coordinator.email, world.users["co_coordinator"].email,
    }  # fmt: skip
    (sms,) = _notifications(ALERT_STAFF, "sms")
    assert sms.to == "+32470999001"
    assert f"/inbox/{conversation.pk}/" in sms.body and "station" not in sms.body
    sent = [m for m in mail.outbox if m.to == [officer.email]]
    assert "Ze lopen richting het station" in sent[0].body
    assert f"/inbox/{conversation.pk}/" in sent[0].body
    assert any(m.to == "+32470999001" for m in locmem.outbox)
    assert conversation.events.filter(kind=ConversationEvent.Kind.ALERTED).count() == 1


def test_a_reply_to_an_exercise_alert_reaches_the_police_marked_test(client, world):
    officer = world.users["officer"]
    officer.mobile_phone, officer.urgent_replies_by_sms = "+32470999001", True
    officer.save()
    message = _publish(world)
    Message.objects.filter(pk=message.pk).update(is_exercise=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        _sms(client, world.member, "Ontvangen, dit is de oefening")
    emails = [n for n in _notifications(ALERT_STAFF, "email") if n.to == officer.email]
    assert emails and all(n.subject.startswith("[TEST] ") for n in emails)
    (sms,) = _notifications(ALERT_STAFF, "sms")
    assert sms.body.startswith("TEST ")


def test_a_watch_word_reply_to_an_exercise_alert_is_not_marked_test(client, world):
    message = _publish(world)
    Message.objects.filter(pk=message.pk).update(is_exercise=True)
    text = "Echt: er is een inbreker in mijn tuin"
    assert conversation_watch_words_found(police_zone=world.network.police_zone, text=text)
    with TestCase.captureOnCommitCallbacks(execute=True):
        _sms(client, world.member, text)
    emails = _notifications(ALERT_STAFF, "email")
    assert emails and not any(n.subject.startswith("[TEST]") for n in emails)


def test_a_reply_to_an_old_or_non_urgent_message_notifies_nobody(client, world, settings):
    settings.REPLY_URGENT_ALERT_HOURS = 6
    message = _publish(world)
    _age(message, 7)
    _sms(client, world.member, "Dank u voor de info")
    assert _notifications(ALERT_STAFF) == []
    assert Conversation.objects.get().urgency == ""


def test_watch_words_notify_whatever_the_message(client, world):
    message = _publish(world)
    _age(message, 48)
    _sms(client, world.member, "Er staat iemand IN MIJN TUIN met een mes")
    conversation = Conversation.objects.get()
    assert conversation.urgency == Conversation.Urgency.WATCH_WORD
    assert len(_notifications(ALERT_STAFF, "email")) == 3
    event = conversation.events.get(kind=ConversationEvent.Kind.ALERTED)
    assert "in mijn tuin" in event.text and "mes" in event.text


def test_a_zones_own_watch_words_replace_the_defaults(world):
    zone = world.zone
    assert conversation_watch_words_found(police_zone=zone, text="Blessé dans la rue") == ["blessé"]
    WatchWordList.objects.create(police_zone=zone, language="fr", words="voleur\nvoiture rouge")
    assert conversation_watch_words_found(police_zone=zone, text="Blessé dans la rue") == []
    found = conversation_watch_words_found(police_zone=zone, text="Une VOITURE   rouge, un volé")
    assert found == ["voiture rouge"]  # phrases across spaces; "volé" is not "voleur"
    assert conversation_watch_words_found(police_zone=zone, text="nummer") == []  # not "nu"


def test_revoked_and_other_zone_officers_are_not_notified(world):
    from networks.services import role_revoke

    other = user_with_role(Role.OFFICER, scope=world.zone)
    assignment = other.role_assignments.get()
    role_revoke(assignment=assignment, revoked_by=world.users["admin"])
    reply = Reply.objects.create(
        network=world.network, member=world.member, channel="sms",
        from_address=str(world.member.mobile_phone), body="Er is brand",
    )  # fmt: skip
    conversation_reply_receive(reply=reply)
    emails = {n.to for n in _notifications(ALERT_STAFF)}
    assert other.email not in emails and world.users["officer_other"].email not in emails
    assert world.users["officer"].email in emails
