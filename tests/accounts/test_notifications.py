"""A staff member's notification settings: urgent replies also by SMS."""

from __future__ import annotations

from django.urls import reverse

from messaging.models import Reply
from messaging.services.conversations import conversation_reply_receive
from outbox.models import Notification


def test_an_officer_asks_for_urgent_replies_by_sms(client, world):
    officer = world.users["officer"]
    client.force_login(officer)
    url = reverse("accounts:notifications")
    assert client.get(url).status_code == 200
    no_number = client.post(url, {"mobile_phone": "", "urgent_replies_by_sms": "on"})
    assert no_number.status_code == 400 and "mobile_phone" in no_number.context["form"].errors
    bad = client.post(url, {"mobile_phone": "12", "urgent_replies_by_sms": "on"})
    assert bad.status_code == 400 and "mobile_phone" in bad.context["form"].errors
    client.post(url, {"mobile_phone": "+32 470 99 90 01", "urgent_replies_by_sms": "on"})
    officer.refresh_from_db()
    assert str(officer.mobile_phone) == "+32470999001" and officer.urgent_replies_by_sms
    reply = Reply.objects.create(
        network=world.network, member=world.member, channel="sms",
        from_address=str(world.member.mobile_phone), body="Er staat iemand in mijn tuin",
    )  # fmt: skip
    conversation_reply_receive(reply=reply)
    sms = Notification.objects.filter(kind="urgent_reply", channel="sms")
    assert [n.to for n in sms] == ["+32470999001"]
    # Turned off again: email only.
    client.post(url, {"mobile_phone": "+32470999001"})
    officer.refresh_from_db()
    assert not officer.urgent_replies_by_sms
