"""The conversations inbox: open first, answer (kept on the thread), forward,
assign, close; privacy mode; other networks refused; a zone's watch words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from messaging.models import Conversation, ConversationEvent, Reply, WatchWordList
from messaging.services.conversations import conversation_reply_receive
from outbox.gateways import locmem


def _reply(world, body="Ik zag de gele Polo om 14u in de Kerkstraat", channel="sms", member=None):
    member = member or world.member
    reply = Reply.objects.create(
        network=member.network, member=member, channel=channel,
        from_address=member.email if channel == "email" else str(member.mobile_phone),
        body=body,
    )  # fmt: skip
    conversation_reply_receive(reply=reply)
    reply.refresh_from_db()
    return reply


@pytest.fixture
def reply(world):
    locmem.outbox.clear()
    return _reply(world)


def _url(world, conversation, action=None):
    if action:
        args = [world.network.slug, conversation.pk, action]
        return reverse("messaging:conversation_action", args=args)
    return reverse("messaging:conversation", args=[world.network.slug, conversation.pk])


def _post(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


def test_coordinator_reads_and_answers_by_sms(client, world, reply):
    conversation = reply.conversation
    client.force_login(world.users["coordinator"])
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]))
    assert conversation in inbox.context["page"].object_list
    client.get(_url(world, conversation))
    reply.refresh_from_db()
    assert reply.status == Reply.Status.READ
    response = _post(client, _url(world, conversation, "answer"), {"text": ""})
    assert response.status_code == 400  # the error next to the field, nothing sent
    assert "text" in response.context["answer_form"].errors
    assert not conversation.events.filter(kind=ConversationEvent.Kind.ANSWER).exists()
    locmem.outbox.clear()
    _post(
        client, _url(world, conversation, "answer"), {"text": "Dank u, de politie is verwittigd."}
    )
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ANSWERED
    assert locmem.outbox[-1].to == str(world.member.mobile_phone)
    answer = conversation.events.get(kind=ConversationEvent.Kind.ANSWER)
    assert answer.text == "Dank u, de politie is verwittigd." and answer.actor.pk
    page = client.get(_url(world, conversation)).content.decode()
    assert "Dank u, de politie is verwittigd." in page  # the answer stays on the thread


def test_an_answer_by_email_and_close(client, world):
    reply = _reply(world, channel="email")
    client.force_login(world.users["officer"])
    url = _url(world, reply.conversation, "answer")
    _post(client, url, {"text": "We komen langs.", "close": "on"})
    assert mail.outbox[-1].to == [world.member.email]
    assert "Oordegem" in mail.outbox[-1].subject
    conversation = Conversation.objects.get(pk=reply.conversation_id)
    assert conversation.status == Conversation.Status.CLOSED
    # The member's next message opens a new conversation.
    assert _reply(world, body="Nog een vraag").conversation_id != conversation.pk


def test_forward_only_to_the_zones_officers(client, world, reply):
    conversation = reply.conversation
    client.force_login(world.users["coordinator"])
    url = _url(world, conversation, "forward")
    response = _post(client, url, {"to_email": "someone@elsewhere.example", "note": "x"})
    assert response.status_code == 400 and "to_email" in response.context["forward_form"].errors
    reply.refresh_from_db()
    assert reply.status == Reply.Status.NEW and not mail.outbox
    officer = world.users["officer"]
    _post(client, url, {"to_email": officer.email, "note": "Voor de wijkagent"})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FORWARDED
    assert mail.outbox[-1].to == [officer.email]
    assert "gele Polo" in mail.outbox[-1].body and "Voor de wijkagent" in mail.outbox[-1].body
    assert conversation.events.get(kind=ConversationEvent.Kind.FORWARD).detail == officer.email


def test_assign_to_the_networks_staff_only(client, world, reply):
    conversation = reply.conversation
    client.force_login(world.users["coordinator"])
    url = _url(world, conversation, "assign")
    outsider = world.users["officer_other"]
    assert _post(client, url, {"assignee": outsider.pk}).status_code == 400
    officer = world.users["officer"]
    _post(client, url, {"assignee": officer.pk})
    conversation.refresh_from_db()
    assert conversation.assigned_to == officer
    assert mail.outbox[-1].to == [officer.email]  # told it is theirs now
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]) + "?mine=on")
    assert list(inbox.context["page"].object_list) == []
    client.force_login(officer)
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]) + "?mine=on")
    assert list(inbox.context["page"].object_list) == [conversation]


def test_close_and_reopen(client, world, reply):
    conversation = reply.conversation
    client.force_login(world.users["officer"])
    _post(client, _url(world, conversation, "close"))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED and conversation.closed_at
    _post(client, _url(world, conversation, "reopen"))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    kinds = list(conversation.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["close", "reopen"]


def test_the_inbox_shows_open_ones_first_and_urgent_on_top(client, world):
    from tests.factories import MemberFactory

    closed = _reply(world, body="Bedankt").conversation
    Conversation.objects.filter(pk=closed.pk).update(
        status="closed", last_activity_at=timezone.now()
    )
    older = _reply(
        world, member=MemberFactory(network=world.network), body="Tot ziens"
    ).conversation
    Conversation.objects.filter(pk=older.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=2)
    )
    urgent = _reply(world, member=MemberFactory(network=world.network), body="Brand!").conversation
    Conversation.objects.filter(pk=urgent.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=3)
    )
    recent = _reply(world, member=MemberFactory(network=world.network), body="Gezien").conversation
    client.force_login(world.users["coordinator"])
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]))
    assert list(inbox.context["page"].object_list) == [urgent, recent, older, closed]
    only_closed = client.get(
        reverse("messaging:inbox", args=[world.network.slug]) + "?status=closed"
    )
    assert list(only_closed.context["page"].object_list) == [closed]


def test_privacy_mode_hides_the_senders_number(client, world, reply):
    world.network.privacy_mode = True
    world.network.save()
    client.force_login(world.users["coordinator"])
    for url in (
        reverse("messaging:inbox", args=[world.network.slug]),
        _url(world, reply.conversation),
    ):
        assert reply.from_address not in client.get(url).content.decode()


def test_old_reply_links_lead_to_the_conversation(client, world, reply):
    client.force_login(world.users["coordinator"])
    url = reverse("messaging:reply", args=[world.network.slug, reply.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url == _url(world, reply.conversation)
    for role in ("steering", "coordinator_other", "municipal"):
        client.force_login(world.users[role])
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["coordinator_other", "officer_other", "municipal", "federal"])
@pytest.mark.parametrize("action", ["answer", "forward", "assign", "close"])
def test_other_roles_cannot_act(client, world, reply, role, action):
    client.force_login(world.users[role])
    url = _url(world, reply.conversation, action)
    assert client.post(url, {"text": "hi"}).status_code == 403
    assert not reply.conversation.events.exclude(kind="auto_answer").exists()


def test_officers_set_their_zones_watch_words(client, world):
    url = reverse("messaging:watch_words", args=[world.zone.pk])
    client.force_login(world.users["officer"])
    page = client.get(url)
    assert "in mijn tuin" in page.content.decode()  # the platform's list until saved
    too_long = _post(client, url, {"nl": "x" * 61, "fr": "", "de": "", "en": ""})
    assert too_long.status_code == 400 and "nl" in too_long.context["form"].errors
    _post(client, url, {"nl": "Schoten\n  \nschoten\nbivak", "fr": "", "de": "", "en": "gun"})
    assert WatchWordList.objects.get(police_zone=world.zone, language="nl").word_list == [
        "Schoten", "schoten", "bivak",
    ]  # fmt: skip
    reply = _reply(world, body="Ik hoorde schoten")
    assert reply.conversation.urgency == Conversation.Urgency.WATCH_WORD
    assert _reply(world, body="Er is brand", member=world.other_member).conversation.urgency
    client.force_login(world.users["officer_other"])
    assert client.get(url).status_code == 403


def test_the_staff_home_lists_open_urgent_conversations(client, world):
    urgent = _reply(world, body="Er is brand in de straat").conversation
    _reply(world, member=world.other_member, body="Brand hier ook")
    url = reverse("messaging:conversation", args=[world.network.slug, urgent.pk])
    for role, sees in (("officer", True), ("co_coordinator", True), ("steering", False),
                       ("officer_other", False), ("municipal", False)):  # fmt: skip
        client.force_login(world.users[role])
        assert (url in client.get(reverse("accounts:home")).content.decode()) is sees, role
    Conversation.objects.filter(pk=urgent.pk).update(status=Conversation.Status.CLOSED)
    client.force_login(world.users["officer"])
    assert url not in client.get(reverse("accounts:home")).content.decode()


def test_an_answer_after_stop_goes_by_email_and_reopen_waits_for_the_open_one(client, world):
    reply = _reply(world)
    world.member.by_sms = False
    world.member.save()
    client.force_login(world.users["officer"])
    _post(client, _url(world, reply.conversation, "answer"), {"text": "Wij kijken het na."})
    assert mail.outbox[-1].to == [world.member.email]
    assert not [m for m in locmem.outbox if m.body == "Wij kijken het na."]
    _post(client, _url(world, reply.conversation, "close"))
    newer = _reply(world, body="Nog iets").conversation
    response = client.post(_url(world, reply.conversation, "reopen"), follow=True)
    assert "another open conversation" in response.content.decode()
    assert Conversation.objects.get(pk=reply.conversation_id).status == "closed"
    assert newer.status == Conversation.Status.OPEN
