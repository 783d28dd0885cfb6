"""The contact details page of the personal link, the email confirmation link,
and the coordinator's pages for new addresses outside the area."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from members.models import ContactChange, Member
from members.services.contact_changes import contact_address_change
from members.tokens import member_personal_token
from outbox.gateways import locmem
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _outboxes():
    locmem.outbox.clear()
    mail.outbox = []
    yield
    locmem.outbox.clear()


@pytest.fixture
def member(world) -> Member:
    return MemberFactory(
        network=world.network, email="an@example.org", mobile_phone="+32470111111",
        language="en", house_number="3",
    )  # fmt: skip


def _url(name: str, member: Member, **kwargs) -> str:
    return reverse(f"personal:{name}", kwargs={"token": member_personal_token(member=member),
                                                **kwargs})  # fmt: skip


def _page_without_secrets(response) -> str:
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    page = re.sub(r"/me/[^/]+/", "/me/<token>/", page)
    page = re.sub(r"/contact/\d+/", "/contact/<pk>/", page)
    page = re.sub(r'id="change-\d+"', "", page)
    page = re.sub(r"0470 \d\d \d\d \d\d|\+32 470 \d\d \d\d \d\d", "<number>", page)
    return re.sub(r"\d\d:\d\d", "<time>", page)


def test_home_links_to_the_contact_page_instead_of_the_coordinator(client, member):
    page = client.get(_url("home", member)).content.decode()
    assert re.search(r'href="/me/[^/"]+/contact/"', page)
    assert "To change your name, address, email or phone, ask your coordinator" not in page


def test_contact_page_shows_the_current_details(client, member):
    response = client.get(_url("contact", member))
    assert response.status_code == 200
    page = response.content.decode()
    assert "an@example.org" in page and "+32 470 11 11 11" in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_a_bad_token_gets_the_invalid_link_page(client, member):
    for name, kwargs in (("contact", {}), ("contact_code", {"pk": 1}),
                         ("contact_cancel", {"pk": 1})):  # fmt: skip
        url = reverse(f"personal:{name}", kwargs={"token": "not-a-token", **kwargs})
        response = client.post(url) if kwargs else client.get(url)
        assert response.status_code == 404


def test_another_members_change_is_out_of_reach(client, member, world):
    other = MemberFactory(network=world.network)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url("contact", other), {"form": "mobile", "mobile-mobile_phone": "0470222222"})
    change = ContactChange.objects.get(member=other)
    assert client.post(_url("contact_cancel", member, pk=change.pk)).status_code == 404
    response = client.post(_url("contact_code", member, pk=change.pk), {"code": "123456"})
    assert response.status_code == 404
    change.refresh_from_db()
    assert change.status == ContactChange.Status.VERIFYING and change.attempts == 0


def test_member_changes_the_mobile_and_enters_the_code(client, member):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            _url("contact", member), {"form": "mobile", "mobile-mobile_phone": "0470 22 22 22"}
        )
    assert response.status_code == 302
    page = client.get(_url("contact", member)).content.decode()
    assert "We sent a code by SMS" in page and "Confirm my new number" in page
    change = ContactChange.objects.get(member=member)
    (sms,) = locmem.outbox
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(_url("contact_code", member, pk=change.pk), {"code": wrong})
    assert response.status_code == 200
    assert "Tries left: 4" in response.content.decode()  # next to the field
    response = client.post(_url("contact_code", member, pk=change.pk), {"code": code})
    assert response.status_code == 302
    member.refresh_from_db()
    assert str(member.mobile_phone) == "+32470222222"


def test_a_taken_mobile_gets_the_same_page(client, member, world):
    MemberFactory(network=world.network, mobile_phone="+32470333333")
    pages = []
    for number in ("0470 33 33 33", "0470 44 44 44"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(_url("contact", member), {"form": "mobile", "mobile-mobile_phone": number})
        pages.append(_page_without_secrets(client.get(_url("contact", member))))
    assert pages[0] == pages[1]


def test_member_changes_the_email_through_the_link(client, member):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url("contact", member), {"form": "email", "email-email": "nieuw@example.org"})
    (email,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/contact/confirm/\S+/)", email.body).group(1)
    client.cookies.clear()
    response = client.get(path)  # a mail scanner that opens the link confirms nothing
    assert (
        response.status_code == 200 and "Confirm my new email address" in response.content.decode()
    )
    member.refresh_from_db()
    assert member.email == "an@example.org"
    response = client.post(path)
    assert "is confirmed" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "nieuw@example.org"
    assert "does not work" in client.post(path).content.decode()


def test_errors_are_shown_next_to_the_fields(client, member):
    response = client.post(_url("contact", member), {"form": "landline", "landline-landline": "12"})
    assert response.status_code == 200
    assert 'id="error_1_id_landline-landline"' in response.content.decode() or (
        "invalid-feedback" in response.content.decode()
    )
    response = client.post(
        _url("contact", member),
        {"form": "address", "address-street": "Stationsstraat", "address-house_number": "4",
         "address-postcode": "9340"},
    )  # fmt: skip
    page = response.content.decode()
    assert "This street is not part of the area" in page
    assert 'name="address-outside_confirmed"' in page
    assert not ContactChange.objects.exists()
    response = client.post(
        _url("contact", member),
        {"form": "address", "address-street": "Stationsstraat", "address-house_number": "4",
         "address-postcode": "9340", "address-outside_confirmed": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(_url("contact", member)).content.decode()
    assert "Your coordinator decides" in page
    assert ContactChange.objects.get(member=member).status == "awaiting_decision"


def test_member_cancels_a_change(client, member):
    client.post(_url("contact", member), {"form": "email", "email-email": "nieuw@example.org"})
    change = ContactChange.objects.get(member=member)
    assert client.post(_url("contact_cancel", member, pk=change.pk)).status_code == 302
    change.refresh_from_db()
    assert change.status == ContactChange.Status.CANCELLED


# --- the coordinator's side ------------------------------------------------------------


@pytest.fixture
def outside(member) -> ContactChange:
    return contact_address_change(
        member=member, street="Stationsstraat", house_number="4", postcode="9340",
        outside_confirmed=True,
    )  # fmt: skip


def test_coordinator_sees_the_new_address_and_accepts_it(client, world, member, outside):
    client.force_login(world.users["coordinator"])
    slug = world.network.slug
    page = client.get(reverse("members:contact_changes", kwargs={"slug": slug})).content.decode()
    assert "Stationsstraat 4" in page
    detail = reverse("members:detail", kwargs={"slug": slug, "pk": member.pk})
    assert "Accept the new address" in client.get(detail).content.decode()
    url = reverse("members:contact_change_decide", kwargs={"slug": slug, "pk": outside.pk})
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"decision": "accept", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    member.refresh_from_db()
    assert member.street == "Stationsstraat"
    assert mail.outbox[0].to == ["an@example.org"]


@pytest.mark.parametrize("role", ["steering", "municipal", "coordinator_other", "officer_other"])
def test_other_roles_cannot_decide(client, world, member, outside, role):
    client.force_login(world.users[role])
    url = reverse(
        "members:contact_change_decide", kwargs={"slug": world.network.slug, "pk": outside.pk}
    )
    assert client.post(url, {"decision": "accept"}).status_code in (403, 404)
    outside.refresh_from_db()
    assert outside.status == ContactChange.Status.AWAITING_DECISION


def test_staff_home_shows_new_addresses_waiting(client, world, member, outside):
    for role, shown in (("coordinator", True), ("officer", True), ("steering", False),
                        ("municipal", False)):  # fmt: skip
        client.force_login(world.users[role])
        page = client.get(reverse("accounts:home")).content.decode()
        assert ("New addresses outside the area" in page) is shown, role


def test_the_data_download_lists_the_changes(client, member):
    client.post(_url("contact", member), {"form": "email", "email-email": "nieuw@example.org"})
    data = client.get(_url("data", member)).json()
    (change,) = data["contact_changes"]
    assert change["field"] == "email" and change["status"] == "verifying"
    assert change["value"] == {"email": "nieuw@example.org"}


def test_an_empty_landline_without_one_asks_for_a_number(client, member):
    response = client.post(_url("contact", member), {"form": "landline", "landline-landline": ""})
    assert "Enter a phone number." in response.content.decode()
    assert not ContactChange.objects.exists()


def test_member_removes_the_email_address(client, member):
    Member.objects.filter(pk=member.pk).update(by_sms=True)
    response = client.post(_url("contact", member), {"form": "email", "email-email": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "" and member.by_email is False
