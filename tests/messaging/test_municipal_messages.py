"""Issue 14, item 6: the municipality as sender and receiver. Its staff draft
prevention tips and information for their municipality's networks, which the
zone's officer approves; they never see members, contact data or message
figures; conversations can be forwarded to them, and then they see that
conversation only."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from messaging.models import Conversation, ConversationEvent, Message, Reply
from messaging.services.conversations import (
    conversation_reply_receive,
    conversation_share_with_municipality,
)
from outbox.gateways import locmem


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def _tip(network, **extra):
    data = {
        "kind": "prevention",
        "networks": [network.pk],
        "by_email": "on",
        "sms_nl": "Gemeente Lede: sluit uw fiets altijd op slot.",
        "subject_nl": "Preventietip van de gemeente",
        "body_nl": "De preventiedienst van de gemeente geeft tips tegen fietsdiefstal.",
    }
    data.update(extra)
    return data


def test_municipal_staff_draft_goes_to_the_officer_who_approves_it(client, world):
    municipal = world.users["municipal"]
    client.force_login(municipal)
    page = client.get(reverse("messaging:new"))
    assert list(page.context["form"].fields["networks"].queryset) == [world.network]
    response = client.post(reverse("messaging:new"), _tip(world.network))
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.status == Message.Status.DRAFT and message.created_by == municipal
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert not detail.context["can_publish"] and detail.context["can_submit"]
    assert client.post(reverse("messaging:publish", args=[message.pk])).status_code == 403

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("messaging:submit", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING_APPROVAL
    assert [m.to for m in mail.outbox] == [[world.users["officer"].email]]

    officer = world.users["officer"]
    client.force_login(officer)
    home = client.get(reverse("accounts:home"))
    assert message in home.context["awaiting_approval"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(reverse("messaging:publish", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    # The other zone's officer has nothing to approve.
    client.force_login(world.users["officer_other"])
    assert client.post(reverse("messaging:publish", args=[message.pk])).status_code == 403


def test_municipal_staff_write_tips_and_information_only_for_their_municipality(client, world):
    client.force_login(world.users["municipal"])
    response = client.post(reverse("messaging:new"), _tip(world.network, kind="urgent"))
    assert "kind" in response.context["form"].errors
    assert "As municipal staff" in str(response.context["form"].errors["kind"])
    response = client.post(reverse("messaging:new"), _tip(world.other_network))
    assert "networks" in response.context["form"].errors
    assert (
        client.post(reverse("messaging:new"), _tip(world.network, kind="info")).status_code == 302
    )
    assert not Message.objects.filter(kind="urgent").exists()


def test_municipal_staff_never_see_members_or_figures(client, world):
    """The draft's page shows the texts, not the recipients; the member lists,
    message lists and inbox stay closed."""
    client.force_login(world.users["municipal"])
    response = client.post(reverse("messaging:new"), _tip(world.network))
    message = Message.objects.get()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.context["show_figures"] is False
    assert world.member.email not in body and world.member.full_name not in body
    assert "deliveries" not in body
    for name in ("members:list", "messaging:network", "messaging:inbox", "messaging:incidents"):
        assert client.get(reverse(name, args=[world.network.slug])).status_code == 403, name
    # The officer's published message is not theirs to read.
    officer_message = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=world.users["officer"],
        status=Message.Status.PUBLISHED,
    )  # fmt: skip
    officer_message.networks.set([world.network])
    assert client.get(reverse("messaging:detail", args=[officer_message.pk])).status_code == 403
    # Their own message stays readable, without its delivery figures.
    Message.objects.filter(pk=message.pk).update(status=Message.Status.PUBLISHED)
    page = client.get(reverse("messaging:detail", args=[message.pk]))
    assert page.status_code == 200 and not page.context["show_figures"]
    for figures in ("failures", "replies", "audience", "timeline", "progress"):
        assert figures not in page.context, figures
    assert "Failures" not in page.content.decode()
    home = client.get(reverse("accounts:home"))
    assert message in home.context["own_messages"]


def _conversation(world) -> Conversation:
    reply = Reply.objects.create(
        network=world.network, member=world.member, channel="sms",
        from_address="+32470000001", body="Sluikstort aan de glasbol in de Kerkstraat",
    )  # fmt: skip
    return conversation_reply_receive(reply=reply)


def test_a_conversation_is_forwarded_to_the_municipality_which_sees_it_only(client, world):
    conversation = _conversation(world)
    municipal = world.users["municipal"]
    shared_url = reverse("messaging:conversation_shared", args=[conversation.pk])
    client.force_login(municipal)
    assert client.get(shared_url).status_code == 403  # not before it is shared

    client.force_login(world.users["coordinator"])
    action = reverse(
        "messaging:conversation_action",
        args=[world.network.slug, conversation.pk, "share-municipality"],
    )
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(action, {"note": "Voor de milieudienst"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.shared_with_municipality_at is not None
    assert [m.to for m in mail.outbox] == [[municipal.email]]
    assert shared_url in mail.outbox[0].body
    assert "Sluikstort" not in mail.outbox[0].body  # the text stays on the platform
    event = conversation.events.get(kind=ConversationEvent.Kind.FORWARD)
    assert (
        event.detail == ConversationEvent.TO_MUNICIPALITY and event.text == "Voor de milieudienst"
    )

    client.force_login(municipal)
    page = client.get(shared_url)
    body = page.content.decode()
    assert page.status_code == 200 and "Sluikstort aan de glasbol" in body
    assert world.member.full_name not in body and "+32470000001" not in body
    assert str(world.member.mobile_phone) not in body
    assert (
        client.get(
            reverse("messaging:conversation", args=[world.network.slug, conversation.pk])
        ).status_code
        == 403
    )
    # Another conversation of the same network stays closed to them.
    other = Conversation.objects.create(network=world.network, member=world.other_member)
    assert client.get(reverse("messaging:conversation_shared", args=[other.pk])).status_code == 403
    # The other municipality's staff see nothing.
    client.force_login(world.users["municipal_other"])
    assert client.get(shared_url).status_code == 403


def test_only_those_who_handle_the_inbox_forward_to_the_municipality(world):
    conversation = _conversation(world)
    for role in ("municipal", "officer_other", "coordinator_other", "steering"):
        with pytest.raises(PermissionDenied):
            conversation_share_with_municipality(
                conversation=conversation, shared_by=world.users[role]
            )
    conversation_share_with_municipality(
        conversation=conversation, shared_by=world.users["officer"]
    )
    first = Conversation.objects.get(pk=conversation.pk).shared_with_municipality_at
    # Sharing again changes nothing.
    conversation_share_with_municipality(
        conversation=conversation, shared_by=world.users["officer"]
    )
    assert Conversation.objects.get(pk=conversation.pk).shared_with_municipality_at == first
    assert conversation.events.filter(kind=ConversationEvent.Kind.FORWARD).count() == 1
