"""Issue 14, items 6 and 7 in a real browser (see tests/e2e/conftest.py):
an officer adapts a standard template for the zone and previews it; the
municipality's staff write a prevention tip, the officer approves it; a
conversation is forwarded to the municipality, whose staff read it only."""

from __future__ import annotations

import importlib
import time

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse

from messaging.models import Conversation, Message, MessageTemplate, Reply
from messaging.services.conversations import conversation_reply_receive
from tests.e2e.test_journeys import _empty_outboxes, expect, sign_in  # noqa: F401 (autouse)

pytestmark = pytest.mark.slow


def test_officer_adapts_a_template_and_approves_the_municipality_s_tip(journey, world):
    page = journey.page
    importlib.import_module(
        "messaging.migrations.0023_s20g_standard_templates"
    ).standard_templates_set(apps, None)
    holiday = MessageTemplate.objects.get(title="Holiday / Vacances", police_zone=None)

    # The officer adapts the standard holiday tip for the zone, with a typo first.
    officer = world.users["officer"]
    sign_in(journey, officer)
    page.goto(reverse("messaging:templates"))
    journey.shot("library")
    page.goto(reverse("messaging:template_new") + f"?zone={world.zone.pk}&overrides={holiday.pk}")
    page.fill("[name=title]", "Vakantie (Erpe-Mere/Lede)")
    page.fill("[name=sms_nl]", "BIN {network}: op vakantie? Vraag woningtoezicht aan in {straat}.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#id_sms_nl").locator("xpath=..")).to_contain_text(
        "Unknown placeholder {straat}"
    )
    journey.shot("placeholder-error")
    # The refused form answers 400 on purpose; the browser logs that as an error.
    journey.problems = [p for p in journey.problems if "(Bad Request)" not in p]
    page.fill("[name=sms_nl]", "BIN {network}: op vakantie? Bel {police} voor woningtoezicht.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("main")).to_contain_text(
        "BIN Oordegem: op vakantie? Bel 101 voor woningtoezicht."
    )
    journey.shot("preview")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("The template is saved.")
    expect(page.locator("main")).to_contain_text("Replaced in your zone by")
    journey.shot("saved")
    assert MessageTemplate.objects.get(title="Vakantie (Erpe-Mere/Lede)").overrides == holiday

    # The municipality's staff write a prevention tip and send it for approval.
    page.context.clear_cookies()
    sign_in(journey, world.users["municipal"])
    page.get_by_role("link", name="Write a prevention tip or information").click()
    page.select_option("[name=kind]", "prevention")
    page.check(f"[name=networks][value='{world.network.pk}']")
    page.uncheck("[name=by_sms]")
    page.uncheck("[name=by_voice]")
    page.check("[name=by_email]")
    page.fill("[name=sms_nl]", "Gemeente Lede: graveer uw fiets gratis op het gemeentehuis.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.locator("main")).to_contain_text("Gemeente Lede: graveer uw fiets")
    expect(page.locator("main")).not_to_contain_text(world.member.full_name)
    journey.shot("municipal-draft")
    page.get_by_role("button", name="Send to the officer for approval").click()
    expect(page.locator("main")).to_contain_text("Sent to the mandated officer for approval.")
    message = Message.objects.get(created_by=world.users["municipal"])
    assert message.status == Message.Status.PENDING_APPROVAL
    assert any(m.to == [officer.email] for m in mail.outbox)

    # The officer approves and sends it. A second sign-in needs a new TOTP
    # window: the authenticator refuses a code already used.
    page.context.clear_cookies()
    time.sleep(30 - time.time() % 30 + 0.1)
    sign_in(journey, officer)
    page.get_by_role("link", name="Prevention tip — Gemeente Lede").click()
    page.get_by_role("button", name="Approve and send").click()
    expect(page.locator("main")).to_contain_text("The message is on its way.")
    journey.shot("approved")
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED


def test_a_conversation_forwarded_to_the_municipality(journey, world):
    page = journey.page
    reply = Reply.objects.create(
        network=world.network, member=world.member, channel="sms",
        from_address=str(world.member.mobile_phone), body="Sluikstort aan de glasbol, Kerkstraat.",
    )  # fmt: skip
    conversation = conversation_reply_receive(reply=reply)
    sign_in(journey, world.users["coordinator"])
    page.goto(reverse("messaging:conversation", args=[world.network.slug, conversation.pk]))
    page.fill("#share-note", "Voor de milieudienst")
    page.get_by_role("button", name="Share with the municipality").click()
    expect(page.locator("main")).to_contain_text("shared with the municipality's staff")
    journey.shot("shared")
    assert Conversation.objects.get().shared_with_municipality_at is not None

    page.context.clear_cookies()
    sign_in(journey, world.users["municipal"])
    page.goto(reverse("messaging:conversation_shared", args=[conversation.pk]))
    expect(page.locator("#thread")).to_contain_text("Sluikstort aan de glasbol")
    expect(page.locator("main")).not_to_contain_text(world.member.full_name)
    journey.shot("municipality-reads")
