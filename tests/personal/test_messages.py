"""A member's received messages on their personal page, most recent first,
each with a reply form; the answer joins a conversation in the inbox."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from members.tokens import member_personal_token
from messaging.models import Conversation, ConversationEvent, Delivery, Message, Reply
from messaging.services.conversations import conversation_answer
from outbox.models import Notification
from tests.factories import MemberFactory, MessageFactory


def _received(world, member, text, *, hours_ago=0, kind="urgent", status="sent"):
    message = MessageFactory(
        kind=kind, status=Message.Status.PUBLISHED, created_by=world.users["officer"],
        published_at=timezone.now() - timedelta(hours=hours_ago),
        texts={"nl": {"sms": text, "subject": text, "body": f"{text} (lang)"}},
        networks=[member.network],
    )  # fmt: skip
    Delivery.objects.create(
        message=message, member=member, channel="sms", to=str(member.mobile_phone),
        language="nl", status=status,
    )  # fmt: skip
    return message


def _home(client, member):
    return client.get(reverse("personal:home", args=[member_personal_token(member=member)]))


def _reply_url(member, message):
    token = member_personal_token(member=member)
    return reverse("personal:message_reply", args=[token, message.pk])


def test_the_personal_page_lists_received_messages_most_recent_first(client, world):
    member = world.member
    older = _received(world, member, "Oude oproep", hours_ago=30)
    newer = _received(world, member, "Nieuwe oproep", hours_ago=1)
    _received(world, member, "Nog onderweg", status="queued")  # not received yet
    other = _received(world, world.other_member, "Ander netwerk")
    page = _home(client, member).content.decode()
    assert page.index("Nieuwe oproep") < page.index("Oude oproep")
    assert "Nog onderweg" not in page and "Ander netwerk" not in page
    # (The token in the link carries a timestamp: compare the tail.)
    assert f"/messages/{newer.pk}/" in page and f"/messages/{older.pk}/" in page
    assert f"/messages/{other.pk}/" not in page


def test_a_member_answers_from_the_web_and_staff_are_told(client, world):
    member = world.member
    alert = _received(world, member, "Inbrekers actief", hours_ago=1)
    url = _reply_url(member, alert)
    empty = client.post(url, {"text": "   "})
    assert empty.status_code == 400 and "text" in empty.context["form"].errors
    assert not Reply.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"text": "Ik zie twee mannen aan de achterdeur"})
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert reply.channel == Reply.Channel.WEB and reply.message == alert
    conversation = reply.conversation
    assert conversation.urgency == Conversation.Urgency.URGENT_ALERT
    assert Notification.objects.filter(kind="urgent_reply", channel="email").count() == 3
    # The automatic answer is shown on the page, not sent.
    assert not Notification.objects.filter(kind="reply_auto_answer").exists()
    page = client.get(url).content.decode()
    assert "Ik zie twee mannen aan de achterdeur" in page and "112" in page
    # The officer's answer appears under the message; the member gets an email that says so.
    conversation_answer(
        conversation=conversation, answered_by=world.users["officer"], text="Patrouille onderweg."
    )
    assert "Patrouille onderweg." in _home(client, member).content.decode()
    notice = Notification.objects.get(kind="reply_answer")
    assert notice.channel == "email" and notice.to == member.email
    assert "Patrouille onderweg." in notice.body and "/me/" in notice.body
    internal = ConversationEvent.objects.filter(kind=ConversationEvent.Kind.ALERTED)
    assert internal.exists() and "people notified" not in page


def test_no_answer_to_messages_of_others_or_when_not_active(client, world):
    alert = _received(world, world.other_member, "Elders", hours_ago=1)
    response = client.post(_reply_url(world.member, alert), {"text": "Hallo"})
    assert response.status_code == 404
    suspended = MemberFactory(network=world.network, status=Member.Status.SUSPENDED)
    mine = _received(world, suspended, "Van mij", hours_ago=1)
    client.post(_reply_url(suspended, mine), {"text": "Hallo"})
    assert not Reply.objects.exists()


def test_the_data_download_holds_the_members_replies_and_the_answers(client, world):
    import json

    member = world.member
    alert = _received(world, member, "Inbrekers actief", hours_ago=1)
    client.post(_reply_url(member, alert), {"text": "Gezien aan nummer 12"})
    conversation_answer(
        conversation=Conversation.objects.get(), answered_by=world.users["officer"], text="Dank u"
    )
    token = member_personal_token(member=member)
    data = json.loads(client.get(reverse("personal:data", args=[token])).content)
    texts = [(row["kind"], row["text"]) for row in data["replies"]]
    assert texts[0] == ("yours", "Gezien aan nummer 12") and ("answer", "Dank u") in texts
    assert world.users["officer"].email not in json.dumps(data)
