"""Reach in a real browser: a resident who chooses only email where the plan
sends urgent alerts by SMS and voice is warned before joining, and the
officer's compose form ticks the channels the plan allows for the kind."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.models import Member
from tests.e2e.test_journeys import _empty_outboxes, sign_in  # noqa: F401 - autouse fixture
from tests.messaging.test_reach import planned  # noqa: F401 - fixture: world with a signed plan

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI)
    expect = None


def test_resident_choosing_email_only_is_warned_about_urgent_alerts(journey, planned):  # noqa: F811
    page = journey.page
    network = planned.network
    page.goto(reverse("members:signup:join", kwargs={"slug": network.slug}))
    reach = page.locator("#channel-reach")
    expect(reach).to_contain_text("SMS: Urgent alert, Feedback")
    expect(reach).to_contain_text("Voice call: Urgent alert")
    page.fill("[name=first_name]", "Els")
    page.fill("[name=last_name]", "Peeters")
    page.select_option("[name=relation]", "lives")
    page.select_option("[name=street]", "Kerkstraat")
    page.fill("[name=house_number]", "8")
    page.fill("[name=postcode]", "9340")
    hint = page.locator("#urgent-hint")
    expect(hint).to_be_hidden()
    page.fill("[name=email]", "els.peeters@example.org")
    # Email alone (no mobile number for the ticked SMS box): said at once.
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("they go only by SMS, Voice call")
    page.fill("[name=mobile_phone]", "0470 12 34 56")
    expect(hint).to_be_hidden()
    page.fill("[name=mobile_phone]", "")
    page.uncheck("[name=by_sms]")
    expect(hint).to_be_visible()
    page.select_option("select[name=language]", "nl")
    page.check("[name=adult]")
    page.check("[name=accept_house_rules]")
    page.check("[name=accept_privacy]")
    journey.shot("email-only")
    page.get_by_role("button", name="Sign up").click()

    warning = page.locator(".alert-warning", has_text="Urgent alerts of Oordegem")
    expect(warning).to_contain_text("go only by: SMS, Voice call")
    expect(page.locator("[name=email]")).to_have_value("els.peeters@example.org")
    journey.shot("warned")
    assert not Member.objects.filter(email="els.peeters@example.org").exists()
    page.check("[name=without_urgent]")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your sign-up")
    journey.shot("joined-anyway")
    member = Member.objects.get(email="els.peeters@example.org")
    assert member.by_sms is False and member.by_email is True


def test_compose_ticks_what_the_plan_allows_for_the_kind(journey, planned):  # noqa: F811
    page = journey.page
    sign_in(journey, planned.users["officer"])
    page.goto(reverse("messaging:new"))
    # An urgent alert: SMS and voice, as the plan says; not email.
    expect(page.locator("#id_by_sms")).to_be_checked()
    expect(page.locator("#id_by_voice")).to_be_checked()
    expect(page.locator("#id_by_email")).not_to_be_checked()
    page.select_option("#id_kind", "prevention")
    expect(page.locator("#id_by_email")).to_be_checked()
    expect(page.locator("#id_by_sms")).not_to_be_checked()
    expect(page.locator("#id_by_voice")).not_to_be_checked()
    journey.shot("prevention-tip")
    page.select_option("#id_kind", "feedback")
    expect(page.locator("#id_by_sms")).to_be_checked()
    expect(page.locator("#id_by_email")).to_be_checked()
    # The problems list is one click away from the network's pages.
    page.goto(reverse("messaging:network", kwargs={"slug": planned.network.slug}))
    page.get_by_role("link", name="Reach").click()
    expect(page).to_have_url(re.compile(r"/problems/$"))
    expect(page.get_by_role("heading", level=2)).to_have_text("Members with communication problems")
    journey.shot("problems")
