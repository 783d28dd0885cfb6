"""The deaf or hard of hearing in a real browser: a resident who is deaf
sees at once that calls would bring them no urgent alerts, is refused
calls next to the box, and joins by SMS; their personal page then lists
the text routes to the emergency services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Member
from members.tokens import member_personal_token
from tests.e2e.test_journeys import _empty_outboxes  # noqa: F401 - autouse fixture
from tests.messaging.test_reach import planned  # noqa: F401 - fixture: world with a signed plan

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI)
    expect = None


def test_a_deaf_resident_joins_without_calls(journey, planned):  # noqa: F811
    page = journey.page
    network = planned.network
    page.goto(reverse("members:signup:join", kwargs={"slug": network.slug}))
    page.fill("[name=first_name]", "Lieve")
    page.fill("[name=last_name]", "De Smet")
    page.select_option("[name=relation]", "lives")
    page.select_option("[name=street]", "Kerkstraat")
    page.fill("[name=house_number]", "14")
    page.fill("[name=postcode]", "9340")
    page.fill("[name=email]", "lieve.desmet@example.org")
    page.uncheck("[name=by_sms]")
    page.check("[name=by_voice]")
    page.fill("[name=landline]", "053 80 12 34")
    hint = page.locator("#urgent-hint")
    expect(hint).to_be_hidden()  # calls carry urgent alerts under this plan
    page.check("[name=deaf]")
    expect(hint).to_be_visible()  # but a deaf member is never called
    page.select_option("select[name=language]", "nl")
    page.check("[name=adult]")
    page.check("[name=accept_house_rules]")
    page.check("[name=accept_privacy]")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#error_1_id_by_voice, .invalid-feedback").first).to_contain_text(
        "We never call members who are deaf or hard of hearing"
    )
    journey.shot("deaf-refused-calls")
    assert not Member.objects.filter(email="lieve.desmet@example.org").exists()
    page.uncheck("[name=by_voice]")
    page.check("[name=by_sms]")
    page.fill("[name=mobile_phone]", "0470 98 76 54")
    expect(hint).to_be_hidden()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your sign-up")
    member = Member.objects.get(email="lieve.desmet@example.org")
    assert member.deaf and member.by_sms and not member.by_voice

    page.goto(reverse("personal:home", args=[member_personal_token(member=member)]))
    routes = page.locator("#emergency-text-routes")
    expect(routes).to_be_visible()
    expect(page.locator(".emergency-banner")).to_contain_text("112 BE app")
    expect(page.locator("[name=deaf]")).to_be_checked()
    journey.shot("personal-page-text-routes")
