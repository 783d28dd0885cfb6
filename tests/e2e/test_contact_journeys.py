"""A member keeps their contact details up to date through the personal link
(house rule 7), in a real browser: a new mobile number, confirmed with the
code of the SMS read from the test outbox, and a new address outside the
area that the coordinator then accepts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.models import ContactChange, Member
from members.tokens import member_personal_token
from outbox.gateways import locmem
from tests.e2e.test_journeys import _empty_outboxes, sign_in  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI)
    expect = None


def test_member_changes_the_mobile_and_confirms_the_sms_code(journey, world):
    page = journey.page
    member = world.member
    # The personal page speaks the member's language; the steps below read English.
    Member.objects.filter(pk=member.pk).update(language="en", mobile_phone="+32470111111")
    page.goto(reverse("personal:home", kwargs={"token": member_personal_token(member=member)}))
    journey.shot("personal-page")
    page.get_by_role("link", name="Change your email, phone numbers or address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact details")
    journey.shot("contact-page")

    # A landline is no mobile number: the error shows next to the field.
    page.get_by_label("New mobile number").fill("053 80 12 34")
    page.get_by_role("button", name="Change my mobile number").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    journey.shot("not-a-mobile")

    page.get_by_label("New mobile number").fill("0470 22 33 44")
    page.get_by_role("button", name="Change my mobile number").click()
    expect(page.locator("main")).to_contain_text("We sent a code by SMS to your new number.")
    journey.shot("code-sent")
    member.refresh_from_db()
    assert str(member.mobile_phone) == "+32470111111"  # still the old one

    # The new phone: the 6-digit code from the SMS.
    (sms,) = [m for m in locmem.outbox if m.to == "+32470223344"]
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    page.get_by_label("Code from the SMS").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm my new number").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("Tries left: 4")
    journey.shot("wrong-code")
    page.get_by_label("Code from the SMS").fill(code)
    page.get_by_role("button", name="Confirm my new number").click()
    expect(page.locator("main")).to_contain_text("Your new mobile number is confirmed")
    journey.shot("mobile-confirmed")
    member.refresh_from_db()
    assert str(member.mobile_phone) == "+32470223344"
    assert member.phone_verified_at is not None


def test_member_moves_out_of_the_area_and_the_coordinator_accepts(journey, world):
    page = journey.page
    member = world.member
    Member.objects.filter(pk=member.pk).update(language="en")
    page.goto(reverse("personal:contact", kwargs={"token": member_personal_token(member=member)}))
    page.get_by_label("Street").fill("Stationsstraat")
    page.get_by_label("House number").fill("4")
    page.get_by_label("Postcode").fill("9340")
    page.get_by_role("button", name="Change my address").click()
    expect(page.locator("main")).to_contain_text("This street is not part of the area")
    journey.shot("outside-the-area")
    page.get_by_label("My address is right").check()
    page.get_by_role("button", name="Change my address").click()
    expect(page.locator("main")).to_contain_text("Your coordinator decides")
    journey.shot("awaiting-decision")

    sign_in(journey, world.users["coordinator"])
    page.goto(reverse("members:contact_changes", kwargs={"slug": world.network.slug}))
    expect(page.locator("main")).to_contain_text("Stationsstraat 4")
    journey.shot("new-addresses")
    page.get_by_role("button", name="Accept the new address").click()
    expect(page.locator("main")).to_contain_text("is accepted")
    journey.shot("accepted")
    member.refresh_from_db()
    assert member.street == "Stationsstraat"
    assert ContactChange.objects.get(member=member).status == ContactChange.Status.APPLIED
