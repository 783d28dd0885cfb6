"""An officer is reminded that an urgent alert of yesterday has no feedback
yet, opens the alert's page, writes the feedback from it (the form comes
filled in) and publishes it; the alert's page then lists it. In a real
browser (see tests/e2e/conftest.py); tasks run eagerly inside the live server."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from messaging.models import Message
from messaging.selectors.feedback import alert_label
from messaging.services.feedback import feedback_reminders_send
from messaging.services.lifecycle import message_publish
from tests.e2e.test_journeys import _empty_outboxes, expect, sign_in  # noqa: F401 (autouse)
from tests.factories import MessageFactory

pytestmark = pytest.mark.slow


def test_officer_writes_feedback_from_an_alert(journey, world):
    page = journey.page
    officer = world.users["officer"]
    alert = MessageFactory(
        kind=Message.Kind.URGENT, created_by=officer, networks=[world.network], by_email=False,
        texts={"nl": {"sms": "Verdachte wagen in de Kerkstraat, gele VW Polo."}},
    )  # fmt: skip
    message_publish(message=alert, published_by=officer)
    Message.objects.filter(pk=alert.pk).update(published_at=timezone.now() - timedelta(hours=25))

    # A day later: the reminder, once, with a link to write the feedback.
    assert feedback_reminders_send() == [alert.pk]
    assert feedback_reminders_send() == []
    [reminder] = [m for m in mail.outbox if m.to == [officer.email]]
    # In the officer's language, naming the alert by its first words.
    alert.refresh_from_db()
    with translation.override(officer.preferred_language or settings.LANGUAGE_CODE):
        expected = gettext("No feedback yet on the alert of %(alert)s") % {
            "alert": alert_label(message=alert)
        }
    assert reminder.subject == expected
    page_link = re.search(r"https?://\S+/manage/messages/\d+/\s", reminder.body).group(0)

    # The alert's page: its text, who it was for, the timeline, and "Write feedback".
    sign_in(journey, officer)
    page.goto(urlparse(page_link.strip()).path)
    main = page.locator("main")
    expect(main).to_contain_text("Verdachte wagen in de Kerkstraat")
    expect(page.locator("#timeline")).to_contain_text("First delivery")
    expect(main).to_contain_text("Who it was for")
    journey.shot("alert-page")
    page.get_by_role("link", name="Write feedback").click()

    # The compose form comes filled in: feedback, the network, the link.
    expect(main).to_contain_text("Feedback on the alert")
    assert page.locator("[name=kind]").input_value() == "feedback"
    assert page.locator(f"[name=networks][value='{world.network.pk}']").is_checked()
    selected = page.locator("[name=follows] option:checked").inner_text()
    assert re.match(r"\d\d/\d\d \d\d:\d\d — Verdachte wagen in de Kerkstraat", selected)
    assert page.locator("[name=subject_nl]").input_value().startswith("Feedback: ")
    journey.shot("feedback-form")
    page.fill("[name=sms_nl]", "De gele Polo werd teruggevonden; de verdachten zijn gekend.")
    page.get_by_role("button", name="Save and preview").click()
    expect(main).to_contain_text("Preview")
    feedback = Message.objects.get(kind=Message.Kind.FEEDBACK)
    assert feedback.follows == alert
    page.get_by_role("button", name="Publish and send").click()  # confirm dialog accepted
    expect(main).to_contain_text("The message is on its way.")
    journey.shot("feedback-published")

    # Back on the alert: the feedback is listed.
    page.goto(reverse("messaging:detail", args=[alert.pk]))
    expect(main).to_contain_text("Feedback on this alert")
    expect(main).to_contain_text("De gele Polo werd teruggevonden")
    journey.shot("alert-with-feedback")
