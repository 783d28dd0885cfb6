"""Starting a BIN in a real browser: a resident asks to start one, confirms the
email address from the mailbox (the test outbox), and the zone's officer sees
the request and opens a proposed network from it; the new network's interest
list is then public. Every step is checked with axe-core (tests/e2e/conftest.py)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import reverse

from charters.models import FoundingStep, StartRequest
from networks.models import Network
from tests.e2e.test_journeys import sign_in

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI)
    expect = None


@pytest.fixture(autouse=True)
def _empty_mailbox():
    mail.outbox = []


def test_resident_asks_to_start_a_bin_and_the_officer_proposes_a_network(journey, world):
    page = journey.page
    page.goto(reverse("networks:public:home"))
    journey.shot("public-home")
    page.get_by_role("link", name="Start a BIN in your neighbourhood").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a BIN in your neighbourhood")
    # A wrong email address is refused next to the field.
    page.select_option("[name=municipality]", str(world.municipality.pk))
    page.fill("[name=name]", "An Peeters")
    page.fill("[name=email]", "an.peeters@")
    page.fill("[name=street]", "Molenstraat")
    page.fill("[name=neighbourhood]", "Molenstraat, Veldstraat en de Kouter")
    page.fill("[name=motivation]", "Drie inbraken deze winter; tien buren willen meedoen.")
    page.check("[name=accept_privacy]")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("valid email address")
    journey.shot("form-error")
    page.fill("[name=email]", "an.peeters@example.org")
    page.check("[name=accept_privacy]")
    journey.shot("form-filled")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("a…@example.org")
    journey.shot("check-your-email")
    assert StartRequest.objects.get().status == StartRequest.Status.UNVERIFIED
    assert not [m for m in mail.outbox if world.users["officer"].email in m.to]

    # The mailbox: the confirmation link, opened in the same browser.
    (email,) = [m for m in mail.outbox if "an.peeters@example.org" in m.to]
    link = re.search(r"https?://\S+/start-a-bin/confirm/\S+/", email.body).group(0)
    page.goto(urlparse(link).path)
    journey.shot("email-link")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request was sent")
    journey.shot("request-sent")
    (alert,) = [m for m in mail.outbox if world.users["officer"].email in m.to]
    assert "Lede" in alert.subject

    # The officer of the zone: the requests list, the request, a proposed network.
    sign_in(journey, world.users["officer"])
    page.get_by_role("link", name="BIN requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests to start a BIN")
    journey.shot("requests")
    page.get_by_role("row", name=re.compile("Molenstraat")).get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Drie inbraken deze winter")
    journey.shot("request")
    page.fill("[name=open-name]", "BIN Molenkouter")
    page.locator("[name=open-languages][value=nl]").check()
    page.get_by_role("button", name="Propose the network").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Founding checklist")
    expect(page.locator("main")).to_contain_text("BIN Molenkouter is proposed")
    journey.shot("founding-checklist")
    network = Network.objects.get(name="BIN Molenkouter")
    assert network.status == Network.Status.PROPOSED
    assert network.municipality == world.municipality and network.police_zone == world.zone
    assert FoundingStep.objects.filter(network=network).count() == len(FoundingStep.Step.choices)
    told = [m for m in mail.outbox if "an.peeters@example.org" in m.to][-1]
    assert f"/networks/{network.slug}/interest/" in told.body

    # The new network's public interest list, with its privacy note.
    page.goto(reverse("starting:interest", kwargs={"slug": network.slug}))
    expect(page.locator("#privacy-note")).to_be_visible()
    journey.shot("interest-list")
