"""A member answers an urgent alert from their personal page, the zone's
officer is notified at once (email, and SMS as asked) and answers from the
conversation; the member reads the answer. In a real browser (see
tests/e2e/conftest.py); tasks run eagerly inside the live server."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Member
from members.tokens import member_personal_token
from messaging.models import Conversation, ConversationEvent, Message
from messaging.services.lifecycle import message_publish
from outbox.gateways import locmem
from outbox.gateways.base import OutgoingSMS
from tests.e2e.test_journeys import _empty_outboxes, expect, sign_in  # noqa: F401 (autouse)
from tests.factories import MessageFactory

pytestmark = pytest.mark.slow


def test_member_replies_to_an_alert_and_the_officer_is_notified_and_answers(journey, world):
    page = journey.page
    member = world.member
    Member.objects.filter(pk=member.pk).update(language="en")
    member.refresh_from_db()
    officer = world.users["officer"]
    officer.mobile_phone, officer.urgent_replies_by_sms = "+32470999001", True
    officer.save()
    alert = MessageFactory(
        kind=Message.Kind.URGENT, created_by=officer, networks=[world.network], by_email=False,
        texts={"en": {"sms": "Burglars active in Kerkstraat, yellow VW Polo."}},
    )  # fmt: skip
    message_publish(message=alert, published_by=officer)
    number = str(member.mobile_phone)
    sms = [m for m in locmem.outbox if isinstance(m, OutgoingSMS) and m.to == number]
    assert sms and "Answer by SMS or via http" in sms[0].body  # the alert says how to answer

    # The member answers on their personal page.
    page.goto(reverse("personal:home", kwargs={"token": member_personal_token(member=member)}))
    messages = page.locator("#messages")
    expect(messages).to_contain_text("Burglars active in Kerkstraat")
    page.fill(f"#reply-{alert.pk}", "They are in my neighbour's garden right now, two men.")
    journey.shot("member-writes")
    messages.get_by_role("button", name="Answer").click()
    expect(page.locator("main")).to_contain_text("Your answer has been sent.")
    expect(page.locator("main")).to_contain_text("112")  # the automatic answer, on the page
    journey.shot("member-answer-sent")

    # The officer is told at once, by email with the text and a link, and by SMS.
    conversation = Conversation.objects.get()
    assert conversation.urgency
    notice = next(m for m in mail.outbox if m.to == [officer.email])
    assert "two men" in notice.body
    link = re.search(r"https?://\S+/inbox/\d+/", notice.body).group(0)
    assert any(m.to == "+32470999001" for m in locmem.outbox if isinstance(m, OutgoingSMS))

    # The officer opens the link, reads the thread and answers.
    sign_in(journey, officer)
    page.goto(urlparse(link).path)
    expect(page.locator("#thread")).to_contain_text("two men")
    journey.shot("officer-reads")
    page.fill("[name=text]", "A patrol is on its way. Stay inside.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("main")).to_contain_text("Your answer is on its way.")
    expect(page.locator("#thread")).to_contain_text("A patrol is on its way.")
    journey.shot("officer-answered")
    assert conversation.events.filter(kind=ConversationEvent.Kind.ANSWER).count() == 1
    # The member hears of the answer by email and reads it on their page.
    assert any(m.to == [member.email] and "A patrol is on its way." in m.body for m in mail.outbox)
    page.goto(reverse("personal:home", kwargs={"token": member_personal_token(member=member)}))
    expect(page.locator("#messages")).to_contain_text("A patrol is on its way.")
    journey.shot("member-reads-answer")
