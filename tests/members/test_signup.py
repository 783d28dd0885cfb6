"""The public sign-up: eligibility, double verification, no enumeration, limits."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.forms.signup import adult_since
from members.models import ConsentRecord, Member, Verification
from networks.models import Network
from outbox.gateways import locmem
from outbox.models import Notification
from outbox.selectors import notifications_about
from tests.factories import MemberFactory, MunicipalityFactory, NetworkFactory, PoliceZoneFactory


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def join_url(network: Network) -> str:
    return reverse("members:signup:join", kwargs={"slug": network.slug})


def verify_url(network: Network) -> str:
    return reverse("members:signup:verify", kwargs={"slug": network.slug})


def form_data(**overrides) -> dict:
    """A valid sign-up for world.network; a None value leaves the field out."""
    data = {
        "first_name": "An",
        "last_name": "Claes",
        "street": "Kerkstraat",
        "house_number": "12",
        "postcode": "9340",
        "email": "an.claes@example.org",
        "mobile_phone": "0470 12 34 56",
        "landline": "",
        "language": "nl",
        "by_sms": "on",
        "by_email": "on",
        "adult": "on",
        "relation": "lives",
        "accept_house_rules": "on",
        "accept_privacy": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, network, ip: str = "192.0.2.1", **overrides):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(join_url(network), form_data(**overrides), REMOTE_ADDR=ip)


def post(client, url, data=None, ip: str = "192.0.2.1"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, REMOTE_ADDR=ip)


def sms_code(index: int = -1) -> str:
    return re.search(r"\b(\d{6})\b", locmem.outbox[index].body).group(1)


def email_link_path(message) -> str:
    url = re.search(r"https?://\S+/confirm/\S+/", message.body).group(0)
    return urlparse(url).path


def nl_network(**fields) -> Network:
    zone = PoliceZoneFactory(country="NL")
    return NetworkFactory(
        municipality=MunicipalityFactory(police_zone=zone),
        streets=[("Dorpsstraat", "1234 AB", None, None)],
        languages=["nl"],
        **fields,
    )


@pytest.fixture
def clock(monkeypatch):
    """Moves the time on for everything that asks django.utils.timezone."""

    class Clock:
        offset = timedelta(0)

        def shift(self, **delta) -> None:
            self.offset += timedelta(**delta)

    clock = Clock()
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + clock.offset)
    return clock


# --- pages ---------------------------------------------------------------------


def test_form_page_is_public_and_complete(client, world):
    response = client.get(join_url(world.network))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kerkstraat" in html  # the street list
    assert "<details" in html and "standard-2019" in html  # house rules, with version
    assert 'href="tel:101"' in html  # emergency numbers of a Belgian network
    assert 'class="signup-hp" aria-hidden="true"' in html
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert "csrfmiddlewaretoken" in html
    assert "style=" not in html and "<script>" not in html
    page = client.get(reverse("public:network", kwargs={"slug": world.network.slug}))
    assert join_url(world.network).encode() in page.content


def test_privacy_notice_has_its_own_page(client, world, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-01"
    response = client.get(reverse("members:signup:privacy", kwargs={"slug": world.network.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2031-01" in html
    assert world.municipality.name in html and world.zone.name in html
    assert "30 days" in html


@pytest.mark.parametrize("status", ["proposed", "suspended", "dissolved"])
def test_only_open_networks_take_sign_ups(client, world, status):
    Network.objects.filter(pk=world.network.pk).update(status=status)
    assert client.get(join_url(world.network)).status_code == 404
    assert submit(client, world.network).status_code == 404
    assert not Member.objects.filter(email="an.claes@example.org").exists()


def test_preparing_network_takes_sign_ups(client, world):
    Network.objects.filter(pk=world.network.pk).update(status="preparing")
    assert client.get(join_url(world.network)).status_code == 200


def test_form_language_defaults_to_the_visitors_if_the_network_offers_it(client, world):
    form = client.get(join_url(world.network), HTTP_ACCEPT_LANGUAGE="fr").context["form"]
    assert form["language"].initial == "fr"
    form = client.get(join_url(world.network), HTTP_ACCEPT_LANGUAGE="de").context["form"]
    assert form["language"].initial == "nl"  # Oordegem offers nl and fr


# --- the whole flow ------------------------------------------------------------


def test_full_flow_ends_in_the_approval_queue(client, world, settings):
    before = Member.objects.count()
    response = submit(client, world.network)
    assert response.status_code == 302
    assert response["Location"] == verify_url(world.network)
    member = Member.objects.get(email="an.claes@example.org")
    assert Member.objects.count() == before + 1
    assert member.status == Member.Status.PENDING
    assert member.source == "web_form"
    assert str(member.mobile_phone) == "+32470123456"
    assert member.adult_confirmed
    consents = dict(member.consents.values_list("subject", "version"))
    assert consents == {
        ConsentRecord.Subject.HOUSE_RULES: "standard-2019",
        ConsentRecord.Subject.PRIVACY_NOTICE: settings.PRIVACY_NOTICE_VERSION,
    }
    # Both messages went out, and only hashes are stored.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["an.claes@example.org"]
    assert len(locmem.outbox) == 1 and locmem.outbox[0].to == "+32470123456"
    code = sms_code()
    assert "Oordegem" in locmem.outbox[0].body
    link = email_link_path(mail.outbox[0])
    hashes = list(member.verifications.values_list("secret_hash", flat=True))
    assert len(hashes) == 2 and all(len(h) == 64 for h in hashes)
    assert not any(code in h for h in hashes)
    assert set(notifications_about(obj=member).filter().values_list("kind", flat=True)) == {
        "signup_email_link",
        "signup_sms_code",
    }

    page = client.get(verify_url(world.network))
    assert page.status_code == 200
    assert "…56" in page.content.decode() and "a…@example.org" in page.content.decode()

    response = post(client, verify_url(world.network), {"code": code[:3] + " " + code[3:]})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone_verified_at is not None
    assert not Member.objects.awaiting_approval().filter(pk=member.pk).exists()

    confirm = client.get(link)
    assert confirm.status_code == 200 and b"<form" in confirm.content
    member.refresh_from_db()
    assert member.email_verified_at is None  # opening the link alone does not confirm
    response = post(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "members:signup:done", kwargs={"slug": world.network.slug}
    )
    member.refresh_from_db()
    assert member.email_verified_at is not None
    assert member.status == Member.Status.PENDING
    assert Member.objects.awaiting_approval().filter(pk=member.pk).exists()
    done = client.get(response["Location"])
    assert "coordinator" in done.content.decode()
    assert not notifications_about(obj=member).filter(kind="welcome").exists()


def test_auto_approve_makes_a_member_with_a_welcome(client, world):
    Network.objects.filter(pk=world.network.pk).update(auto_approve=True)
    submit(client, world.network)
    member = Member.objects.get(email="an.claes@example.org")
    link = email_link_path(mail.outbox[0])
    # Email first this time, on "another device": the link leads to the SMS step.
    other = client.__class__()
    response = post(other, link)
    assert response["Location"] == verify_url(world.network)
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING
    response = post(other, verify_url(world.network), {"code": sms_code()})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert member.approved_at is not None
    welcome = notifications_about(obj=member).get(kind="welcome")
    assert welcome.channel == "email" and welcome.status == "sent"
    assert mail.outbox[-1].to == ["an.claes@example.org"]
    assert "/me/" in mail.outbox[-1].body
    assert "Welcome" in other.get(response["Location"]).content.decode()


def test_messages_come_in_the_chosen_language(client, world):
    submit(client, world.network, language="fr")
    assert "Oordegem" in mail.outbox[0].subject
    member = Member.objects.get(email="an.claes@example.org")
    assert member.language == "fr"
    assert notifications_about(obj=member).filter(kind="signup_email_link").exists()


def test_email_only_sign_up_needs_no_sms(client, world):
    Network.objects.filter(pk=world.network.pk).update(auto_approve=True)
    submit(client, world.network, mobile_phone="", by_sms=None)
    member = Member.objects.get(email="an.claes@example.org")
    assert not locmem.outbox
    page = client.get(verify_url(world.network)).content.decode()
    assert 'name="code"' not in page
    response = post(client, email_link_path(mail.outbox[0]))
    assert response["Location"].endswith("/done/")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


# --- phone numbers -------------------------------------------------------------

BE_MOBILE = "+32470123456"
NL_MOBILE = "+31612345678"


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("BE", "0470 12 34 56", BE_MOBILE),
        ("BE", "0470/12.34.56", BE_MOBILE),
        ("BE", "+32 470 12 34 56", BE_MOBILE),
        ("BE", "0032470123456", BE_MOBILE),
        ("BE", "+31 6 12345678", NL_MOBILE),
        ("BE", "06-12345678", None),  # a Dutch local number, read as Belgian: invalid
        ("NL", "06-12345678", NL_MOBILE),
        ("NL", "+31 6 12345678", NL_MOBILE),
        ("NL", "+32 470 12 34 56", BE_MOBILE),
        ("NL", "0032470123456", BE_MOBILE),
        ("NL", "0470 12 34 56", None),  # a Belgian local number, read as Dutch: invalid
        ("NL", "0470/12.34.56", None),
    ],
)
def test_phone_formats(client, world, country, raw, stored):
    if country == "BE":
        network, address = world.network, {}
    else:
        network = nl_network()
        address = {"street": "Dorpsstraat", "postcode": "1234 ab"}
    response = submit(client, network, mobile_phone=raw, **address)
    member = Member.objects.filter(network=network, email="an.claes@example.org").first()
    if stored is None:
        assert response.status_code == 200
        assert "mobile_phone" in response.context["form"].errors
        assert member is None
    else:
        assert response.status_code == 302, response.context["form"].errors
        assert str(member.mobile_phone) == stored
        assert locmem.outbox[-1].to == stored


def test_landline_is_refused_for_sms(client, world):
    response = submit(client, world.network, mobile_phone="053 80 12 34")
    assert response.status_code == 200
    assert "not a mobile number" in str(response.context["form"].errors["mobile_phone"])
    assert not Member.objects.filter(email="an.claes@example.org").exists()
    assert not Notification.objects.exists()


def test_landline_for_voice(client, world):
    response = submit(
        client, world.network, mobile_phone="", by_sms=None, by_email=None, by_voice="on",
        landline="053 80 12 34",
    )  # fmt: skip
    assert response.status_code == 302
    member = Member.objects.get(email="an.claes@example.org")
    assert str(member.landline) == "+3253801234"
    assert member.by_voice and not member.by_sms


# --- eligibility: errors next to the field, nothing stored ----------------------


def _seventeen_years_364_days() -> str:
    today = timezone.localdate()
    return (adult_since(today.replace(year=today.year - 18)) + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"street": "Stationsstraat"}, "street"),
        ({"house_number": "120"}, "house_number"),
        ({"house_number": "bus 3"}, "house_number"),
        ({"postcode": "9300"}, "postcode"),
        ({"adult": None, "date_of_birth": "__minor__"}, "date_of_birth"),
        ({"adult": None}, "adult"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"accept_house_rules": None}, "accept_house_rules"),
        ({"accept_privacy": None}, "accept_privacy"),
        ({"by_sms": None, "by_email": None}, "by_sms"),
        ({"mobile_phone": ""}, "mobile_phone"),
        ({"by_voice": "on", "by_sms": None, "mobile_phone": ""}, "landline"),
        ({"email": "not-an-address"}, "email"),
        ({"email": None, "by_email": None}, "email"),
        ({"first_name": "   "}, "first_name"),
        ({"language": "xx"}, "language"),
    ],
)
def test_ineligible_sign_up_shows_the_error_at_its_field(client, world, overrides, field):
    world.network.streets.update(number_from=1, number_to=99)
    if overrides.get("date_of_birth") == "__minor__":
        overrides["date_of_birth"] = _seventeen_years_364_days()
    members = Member.objects.count()
    response = submit(client, world.network, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert str(errors[field][0]) in response.content.decode()
    assert Member.objects.count() == members
    assert not Notification.objects.exists()
    assert not mail.outbox and not locmem.outbox


def test_exactly_eighteen_today_may_join(client, world):
    today = timezone.localdate()
    born = (
        today.replace(year=today.year - 18)
        if not (today.month == 2 and today.day == 29)
        else (today.replace(year=today.year - 18, day=28))
    )
    response = submit(client, world.network, adult=None, date_of_birth=born.isoformat())
    assert response.status_code == 302
    member = Member.objects.get(email="an.claes@example.org")
    assert member.birth_date == born and member.adult_confirmed


def test_adult_since_leap_day():
    from datetime import date

    assert adult_since(date(2008, 2, 29)) == date(2026, 3, 1)
    assert adult_since(date(2008, 3, 1)) == date(2026, 3, 1)


def test_binz_needs_a_business_name(client, world):
    binz = NetworkFactory(municipality=world.municipality, kind=Network.Kind.BINZ)
    form = client.get(join_url(binz)).context["form"]
    assert "business_name" in form.fields
    assert "business_name" not in client.get(join_url(world.network)).context["form"].fields
    response = submit(client, binz, relation="works")
    assert "business_name" in response.context["form"].errors
    response = submit(client, binz, relation="works", business_name="Bakkerij An",
                      company_number="123.456")  # fmt: skip
    assert "company_number" in response.context["form"].errors
    assert not Member.objects.filter(network=binz).exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("0123.456.789", "0123456789"), ("BE 0123 456 789", "0123456789"), ("12345678", "12345678")],
)
def test_binz_company_number_is_normalised(client, world, raw, stored):
    binz = NetworkFactory(municipality=world.municipality, kind=Network.Kind.BINZ)
    response = submit(client, binz, business_name="Bakkerij An", company_number=raw)
    assert response.status_code == 302
    member = Member.objects.get(network=binz)
    assert member.company_number == stored and member.business_name == "Bakkerij An"


# --- no user enumeration -------------------------------------------------------


def _page_without_tokens(response) -> str:
    # CSRF tokens and link tokens differ; everything else must be the same.
    page = re.sub(r"/confirm/[^/\"]+/", "/confirm/<token>/", response.content.decode())
    return re.sub(r"[A-Za-z0-9]{32,}", "", page)


def _without_secrets(text: str) -> str:
    # Codes and links differ per message; everything else must be the same.
    return re.sub(r"https?://\S+/confirm/\S+/|\b\d{6}\b", "<secret>", text)


def _wrong_codes(count: int):
    """Codes that are not any code sent so far."""
    sent = {re.search(r"\b(\d{6})\b", m.body).group(1) for m in locmem.outbox}
    wrong = (f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in sent)
    return [next(wrong) for _ in range(count)]


KNOWN_EMAIL = "known@example.org"
KNOWN_MOBILE = "+32471999956"
# A real sign-up whose hints (first letter, domain, last two digits) match the
# decoys' below, and the decoys: one address known, the visitor's other one not.
REAL = {"email": "kim@example.org", "mobile_phone": "0472 11 22 56"}
DECOY = {
    "email": {"email": "Known@Example.org", "mobile_phone": "0473 33 44 56"},
    "phone": {"email": "kevin@example.org", "mobile_phone": "0471 99 99 56"},
}


@pytest.fixture
def known(world):
    return MemberFactory(network=world.network, email=KNOWN_EMAIL, mobile_phone=KNOWN_MOBILE)


@pytest.mark.parametrize("match", ["email", "phone"])
def test_known_address_looks_like_a_new_sign_up(client, world, known, match):
    members = Member.objects.count()
    fresh = client.__class__()
    new = submit(fresh, world.network, **REAL)
    assert Member.objects.count() == members + 1
    real_mail, real_sms = list(mail.outbox), list(locmem.outbox)
    mail.outbox.clear()
    locmem.outbox.clear()
    notifications = Notification.objects.count()
    before = Notification.objects.latest("pk").pk

    dup = submit(client, world.network, **DECOY[match])
    assert (dup.status_code, dup["Location"]) == (new.status_code, new["Location"])
    assert Member.objects.count() == members + 1
    assert not Verification.objects.filter(member=known).exists()
    # The existing member hears of it, with their personal link ...
    notice = Notification.objects.get(kind="signup_duplicate_notice")
    assert notice.about == known and notice.to == KNOWN_EMAIL
    assert mail.outbox[0].to == [KNOWN_EMAIL] and "/me/" in mail.outbox[0].body
    # ... and the visitor's own address that is not known gets the same message
    # as in a real sign-up: a code by SMS, or a link by email.
    decoy_messages = Notification.objects.filter(pk__gt=before).exclude(pk=notice.pk)
    assert Notification.objects.count() == notifications + 2
    if match == "email":
        assert [m.to for m in mail.outbox] == [[KNOWN_EMAIL]]
        assert [sms.to for sms in locmem.outbox] == ["+32473334456"]
        assert _without_secrets(locmem.outbox[0].body) == _without_secrets(real_sms[0].body)
        assert decoy_messages.get().kind == "signup_sms_code"
    else:
        assert [m.to for m in mail.outbox] == [[KNOWN_EMAIL], ["kevin@example.org"]]
        assert not locmem.outbox  # the known mobile's owner got the notice by email
        assert mail.outbox[1].subject == real_mail[0].subject
        assert _without_secrets(mail.outbox[1].body) == _without_secrets(real_mail[0].body)
        assert decoy_messages.get().kind == "signup_email_link"
    assert decoy_messages.get().about is None

    dup_page = client.get(verify_url(world.network))
    new_page = fresh.get(verify_url(world.network))
    assert dup_page.status_code == new_page.status_code == 200
    assert [t.name for t in dup_page.templates] == [t.name for t in new_page.templates]
    assert _page_without_tokens(dup_page) == _page_without_tokens(new_page)

    # Wrong codes get the same answers as a real wrong code.
    for wrong in _wrong_codes(5):
        answers = [
            post(c, verify_url(world.network), {"code": wrong}, ip=ip)
            for c, ip in ((client, "198.51.100.1"), (fresh, "198.51.100.2"))
        ]
        assert answers[0].status_code == answers[1].status_code == 200
        assert _page_without_tokens(answers[0]) == _page_without_tokens(answers[1])
    assert "no longer works" in _page_without_tokens(
        post(client, verify_url(world.network), {"code": _wrong_codes(1)[0]})
    )


def test_decoy_sms_code_works_like_a_real_one(client, world, known):
    """Known email, the visitor's own mobile: their code works as in a real
    sign-up whose email the visitor cannot open."""
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_code = sms_code()
    submit(client, world.network, **DECOY["email"])
    members, verifications = Member.objects.count(), Verification.objects.count()
    assert locmem.outbox[-1].to == "+32473334456"
    decoy_code = sms_code()

    answers = [
        post(c, verify_url(world.network), {"code": code})
        for c, code in ((client, decoy_code), (fresh, real_code))
    ]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"] == verify_url(world.network)
    pages = [c.get(verify_url(world.network)) for c in (client, fresh)]
    assert "Your mobile number is confirmed." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    assert 'name="code"' not in pages[0].content.decode()
    # The same code again is harmless, as in a real sign-up.
    again = post(client, verify_url(world.network), {"code": decoy_code})
    assert again["Location"] == verify_url(world.network)
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    assert Member.objects.get(email="kim@example.org").phone_verified_at is not None


def test_decoy_email_link_works_like_a_real_one(client, world, known):
    """Known mobile, the visitor's own email: their link works as in a real sign-up."""
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_link = email_link_path(mail.outbox[-1])
    submit(client, world.network, **DECOY["phone"])
    members, verifications = Member.objects.count(), Verification.objects.count()
    assert mail.outbox[-1].to == ["kevin@example.org"]
    decoy_link = email_link_path(mail.outbox[-1])
    assert decoy_link.startswith(f"/networks/{world.network.slug}/join/confirm/")
    assert len(decoy_link) == len(real_link)

    for c, link in ((client, decoy_link), (fresh, real_link)):
        page = c.get(link)
        assert page.status_code == 200
        assert "Press the button" in page.content.decode()
    # Confirmed on another device, as a real link may be.
    other_decoy, other_real = client.__class__(), client.__class__()
    answers = [post(other_decoy, decoy_link), post(other_real, real_link)]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"] == verify_url(world.network)
    pages = [c.get(verify_url(world.network)) for c in (other_decoy, other_real)]
    assert "Your email address is confirmed. One step left." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    # Opened again: "already confirmed", for both.
    again = [client.get(decoy_link), fresh.get(real_link)]
    assert "already confirmed" in again[0].content.decode()
    assert _page_without_tokens(again[0]) == _page_without_tokens(again[1])
    # A decoy's link works only in its own network, as a real one.
    foreign = decoy_link.replace(f"/{world.network.slug}/", f"/{world.other_network.slug}/")
    assert post(client.__class__(), foreign).status_code == 400
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    assert Member.objects.get(email="kim@example.org").email_verified_at is not None


def test_decoy_ends_on_the_same_done_page(client, world, monkeypatch):
    """A decoy with both addresses new to the network (a lost race whose winner
    cannot be seen) is confirmed to the very end, and still stores nothing."""
    from members.services import signup as signup_service

    members, verifications = Member.objects.count(), Verification.objects.count()
    monkeypatch.setattr(signup_service, "member_create", _raise_integrity_error)
    submit(client, world.network)
    monkeypatch.undo()
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    decoy_code, decoy_link = sms_code(), email_link_path(mail.outbox[-1])
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_code, real_link = sms_code(), email_link_path(mail.outbox[-1])
    for c, code in ((client, decoy_code), (fresh, real_code)):
        assert post(c, verify_url(world.network), {"code": code}).status_code == 302
    answers = [post(client, decoy_link), post(fresh, real_link)]
    done_url = reverse("members:signup:done", kwargs={"slug": world.network.slug})
    assert answers[0]["Location"] == answers[1]["Location"] == done_url
    pages = [c.get(done_url) for c in (client, fresh)]
    assert "A coordinator of the network now checks your sign-up." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    assert Member.objects.count() == members + 1
    assert not Member.objects.filter(email="an.claes@example.org").exists()


def _raise_integrity_error(**kwargs):
    raise IntegrityError(
        'duplicate key value violates unique constraint "member_unique_email_per_network"'
    )


def test_lost_race_with_a_parallel_sign_up_is_a_decoy_not_a_500(client, world, monkeypatch):
    """The other sign-up committed between our check and our insert: the
    insert fails on the unique constraint, and the sign-up becomes a decoy."""
    from members.services import signup as signup_service

    winner = MemberFactory(
        network=world.network, email="an.claes@example.org", mobile_phone="+32479000001",
        status=Member.Status.PENDING,
    )  # fmt: skip
    real_existing = signup_service._existing_members
    checks = []

    def existing_before_the_winner_committed(**kwargs):
        checks.append(kwargs)
        return [] if len(checks) == 1 else real_existing(**kwargs)

    monkeypatch.setattr(signup_service, "_existing_members", existing_before_the_winner_committed)
    monkeypatch.setattr(signup_service, "member_create", _raise_integrity_error)
    response = submit(client, world.network)
    monkeypatch.undo()

    assert response.status_code == 302
    assert response["Location"] == verify_url(world.network)
    assert len(checks) == 2
    assert list(Member.objects.filter(email="an.claes@example.org")) == [winner]
    assert Notification.objects.get(kind="signup_duplicate_notice").about == winner
    # The visitor's mobile is new: it gets a working code, as in a real sign-up.
    assert [sms.to for sms in locmem.outbox] == ["+32470123456"]
    assert post(client, verify_url(world.network), {"code": sms_code()}).status_code == 302
    assert (
        "Your mobile number is confirmed." in client.get(verify_url(world.network)).content.decode()
    )
    # Afterwards sign-ups work as before.
    assert submit(client.__class__(), world.network, **REAL).status_code == 302
    assert Member.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_the_same_email_on_postgresql(require_postgres, monkeypatch):
    """Two sign-ups pass the known-address check together and insert at the
    same time: PostgreSQL refuses the second row; that sign-up becomes a decoy."""
    import threading

    from django.db import connection

    from members.services import signup as signup_service

    world_network = NetworkFactory(streets=[("Kerkstraat", "9340", None, None)])
    barrier = threading.Barrier(2, timeout=20)
    local = threading.local()
    real_existing = signup_service._existing_members
    real_save = Member.save

    def existing_checked_together(**kwargs):
        result = real_existing(**kwargs)
        if not getattr(local, "checked", False):
            local.checked = True
            barrier.wait()
        return result

    def insert_together(self, *args, **kwargs):
        if self.pk is None and not getattr(local, "inserted", False):
            local.inserted = True
            barrier.wait()
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(signup_service, "_existing_members", existing_checked_together)
    monkeypatch.setattr(Member, "save", insert_together)
    results, errors = [], []

    def sign_up(mobile: str) -> None:
        data = {
            "first_name": "An", "last_name": "Claes", "street": "Kerkstraat",
            "house_number": "12", "postcode": "9340", "email": "an.claes@example.org",
            "mobile_phone": mobile, "language": "nl", "by_sms": True, "by_email": True,
            "adult": True, "relation": "lives", "accept_house_rules": True,
            "accept_privacy": True,
        }  # fmt: skip
        try:
            results.append(
                signup_service.signup_submit(network=world_network, ip="192.0.2.1", **data)
            )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign_up, args=(mobile,))
        for mobile in ("+32470123456", "+32470654321")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()

    assert errors == []
    assert sorted(result.member_id is None for result in results) == [False, True]
    assert Member.objects.filter(network=world_network).count() == 1
    winner = Member.objects.get(network=world_network)
    assert notifications_about(obj=winner).filter(kind="signup_duplicate_notice").exists()


def test_known_pending_sign_up_gets_a_fresh_confirmation_link(client, world):
    submit(client, world.network)
    member = Member.objects.get(email="an.claes@example.org")
    first_link = email_link_path(mail.outbox[0])
    mail.outbox.clear()
    submit(client.__class__(), world.network, ip="192.0.2.9")
    assert Member.objects.filter(email="an.claes@example.org").count() == 1
    notice = Notification.objects.get(kind="signup_duplicate_notice")
    assert notice.about == member
    new_link = email_link_path(mail.outbox[0])
    assert new_link != first_link
    assert post(client, first_link).status_code == 400  # replaced
    assert post(client, new_link).status_code == 302


# --- honeypot, rate limits -----------------------------------------------------


def test_honeypot_behaves_as_success_and_stores_nothing(client, world):
    members = Member.objects.count()
    response = submit(client, world.network, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == verify_url(world.network)
    assert client.get(verify_url(world.network)).status_code == 200
    assert Member.objects.count() == members
    assert not Notification.objects.exists()
    assert not mail.outbox and not locmem.outbox


def test_rate_limit_per_ip(client, world):
    for i in range(10):
        response = submit(
            client, world.network, email=f"n{i}@example.org", mobile_phone=f"+3247055550{i}"
        )
        assert response.status_code == 302
    members = Member.objects.count()
    notifications = Notification.objects.count()
    response = submit(client, world.network, email="n10@example.org", mobile_phone="+32470555510")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Member.objects.count() == members
    assert Notification.objects.count() == notifications
    # Another address is not affected.
    assert submit(client, world.network, ip="192.0.2.77", email="x@example.org",
                  mobile_phone="+32470555599").status_code == 302  # fmt: skip


def test_rate_limit_per_email_and_phone(client, world):
    for i in range(3):
        assert submit(client, world.network, ip=f"192.0.2.{10 + i}").status_code == 302
    response = submit(client, world.network, ip="192.0.2.20")
    assert response.status_code == 429
    response = submit(
        client, world.network, ip="192.0.2.21", email="other@example.org"
    )  # same phone
    assert response.status_code == 429
    assert Member.objects.filter(email="other@example.org").count() == 0


def test_code_attempts_are_rate_limited_per_ip(client, world, settings):
    settings.SIGNUP_RATE_LIMITS = {"code_ip": (2, 3600)}
    submit(client, world.network)
    for _ in range(2):
        assert post(client, verify_url(world.network), {"code": "000000"}).status_code == 200
    response = post(client, verify_url(world.network), {"code": sms_code()})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Member.objects.get(email="an.claes@example.org").phone_verified_at is None


# --- codes and links -----------------------------------------------------------


def test_five_wrong_codes_kill_the_code_and_a_resend_revives(client, world):
    submit(client, world.network)
    member = Member.objects.get(email="an.claes@example.org")
    code = sms_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        response = post(client, verify_url(world.network), {"code": wrong})
        assert response.status_code == 200
        error = str(response.context["form"].errors["code"])
        assert "not right" in error
        if attempt < 5:
            assert f"{5 - attempt} more tr" in error
    assert "last try" in str(response.context["form"].errors["code"])
    response = post(client, verify_url(world.network), {"code": code})
    assert "no longer works" in str(response.context["form"].errors["code"])
    member.refresh_from_db()
    assert member.phone_verified_at is None

    response = post(client, verify_url(world.network), {"action": "resend"})
    assert response.status_code == 302
    assert len(locmem.outbox) == 2
    # The old code stays as a row (it counts towards the caps) but no longer works.
    assert member.verifications.filter(channel="sms").count() == 2
    if code != sms_code():
        response = post(client, verify_url(world.network), {"code": code})
        assert "4 more tries" in str(response.context["form"].errors["code"])
    post(client, verify_url(world.network), {"code": sms_code()})
    member.refresh_from_db()
    assert member.phone_verified_at is not None


def test_resend_is_limited(client, world):
    submit(client, world.network)
    for _ in range(3):
        assert post(client, verify_url(world.network), {"action": "resend"}).status_code == 302
    response = post(client, verify_url(world.network), {"action": "resend"})
    assert response.status_code == 429
    assert len(locmem.outbox) == 4


def test_resend_is_limited_per_ip(client, world, settings):
    settings.SIGNUP_RATE_LIMITS = {"resend_ip": (2, 3600)}
    other = client.__class__()
    submit(client, world.network)
    submit(other, world.network, ip="192.0.2.2", **REAL)
    for _ in range(2):
        response = post(client, verify_url(world.network), {"action": "resend"}, ip="203.0.113.5")
        assert response.status_code == 302
    # Another sign-up, the same IP address: refused, though its own limit is not reached.
    response = post(other, verify_url(world.network), {"action": "resend"}, ip="203.0.113.5")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert len(locmem.outbox) == 4
    response = post(other, verify_url(world.network), {"action": "resend"}, ip="203.0.113.6")
    assert response.status_code == 302
    assert len(locmem.outbox) == 5


REAL_MOBILE, DECOY_MOBILE = "+32472112256", "+32473334456"
LOCKED = "can no longer be confirmed by SMS"


def _codes_to(number: str) -> list[str]:
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in locmem.outbox if m.to == number]


@pytest.fixture
def side_by_side(client, world, known, settings):
    """A real sign-up and a decoy (known email, the visitor's own mobile). Each
    step is taken by both and must give the same page."""
    settings.SIGNUP_RATE_LIMITS = {
        "code_ip": (1000, 3600), "resend": (100, 3600), "resend_ip": (100, 3600),
    }  # fmt: skip
    real, decoy = client.__class__(), client.__class__()
    submit(real, world.network, **REAL)
    submit(decoy, world.network, **DECOY["email"])
    url = verify_url(world.network)

    def step(data: dict | None = None, codes: tuple[str, str] | None = None) -> str:
        if codes:
            answers = [post(real, url, {"code": codes[0]}), post(decoy, url, {"code": codes[1]})]
        else:
            answers = [post(c, url, data) for c in (real, decoy)]
        assert answers[0].status_code == answers[1].status_code
        if answers[0].status_code == 302:
            answers = [c.get(a["Location"]) for c, a in zip((real, decoy), answers, strict=True)]
        # A code typed in is shown again in its field; the rest must be the same.
        typed = codes or ("", "")
        pages = [
            _page_without_tokens(a).replace(f'value="{t}"', 'value=""')
            if t
            else _page_without_tokens(a)
            for a, t in zip(answers, typed, strict=True)
        ]
        assert pages[0] == pages[1]
        return answers[0].content.decode()

    return step


def _wrong(step, times: int) -> str:
    for _ in range(times):
        page = step({"code": _wrong_codes(1)[0]})
    return page


def test_wrong_codes_are_capped_over_the_whole_sign_up(side_by_side, world):
    step = side_by_side
    assert "last try" in _wrong(step, 5)
    assert "We sent you a new code" in step({"action": "resend"})
    assert "last try" in _wrong(step, 5)
    step({"action": "resend"})
    _wrong(step, 2)
    step({"action": "resend"})
    # 12 wrong so far: the 15th wrong try is the last, whatever the code's own count.
    assert "2 more tries" in _wrong(step, 1)
    assert "1 more try" in _wrong(step, 1)
    page = _wrong(step, 1)
    assert LOCKED in page and "coordinator" in page
    assert 'name="code"' not in page
    # Nothing works any more: not the right code, not a new one.
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert LOCKED in page
    page = step({"action": "resend"})
    assert LOCKED in page and "We sent you a new code" not in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 4
    assert Member.objects.get(email="kim@example.org").phone_verified_at is None
    assert Verification.objects.filter(member__email="kim@example.org", channel="sms").count() == 4


@pytest.mark.parametrize("last_code", ["right", "wrong"])
def test_at_most_five_codes_per_sign_up(side_by_side, world, last_code):
    step = side_by_side
    for _ in range(4):
        assert "We sent you a new code" in step({"action": "resend"})
    page = step({"action": "resend"})
    assert "We cannot send more codes for this sign-up" in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 5
    if last_code == "right":
        # The fifth code still works.
        page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
        assert "Your mobile number is confirmed." in page
        assert Member.objects.get(email="kim@example.org").phone_verified_at is not None
    else:
        assert "1 more try" in _wrong(step, 4)
        # Its last try gone and no new code allowed: SMS is over for this sign-up.
        page = _wrong(step, 1)
        assert LOCKED in page and "Ask for a new code" not in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 5


def test_decoy_codes_expire_like_real_ones(side_by_side, world, clock, settings):
    step = side_by_side
    clock.shift(minutes=settings.SIGNUP_SMS_CODE_MINUTES, seconds=1)
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert "This code has expired" in page
    step({"action": "resend"})
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert "Your mobile number is confirmed." in page


def test_malformed_code_is_a_field_error(client, world):
    submit(client, world.network)
    response = post(client, verify_url(world.network), {"code": "12ab56"})
    assert "6 digits" in str(response.context["form"].errors["code"])
    assert Verification.objects.get(channel="sms").attempts == 0


def test_expired_code(client, world):
    submit(client, world.network)
    Verification.objects.filter(channel="sms").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = post(client, verify_url(world.network), {"code": sms_code()})
    assert "expired" in str(response.context["form"].errors["code"])
    assert Member.objects.get(email="an.claes@example.org").phone_verified_at is None


def test_expired_email_link(client, world):
    submit(client, world.network)
    Verification.objects.filter(channel="email").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    link = email_link_path(mail.outbox[0])
    for response in (client.get(link), post(client, link)):
        assert response.status_code == 400
        assert "expired" in response.content.decode()
    assert Member.objects.get(email="an.claes@example.org").email_verified_at is None


@pytest.mark.parametrize("kind", ["real", "decoy"])
def test_used_email_link_expires_too(client, world, known, clock, settings, kind):
    submit(client, world.network, **(REAL if kind == "real" else DECOY["phone"]))
    link = email_link_path(mail.outbox[-1])
    assert post(client, link).status_code == 302
    assert "already confirmed" in client.get(link).content.decode()
    clock.shift(hours=settings.SIGNUP_EMAIL_LINK_HOURS, seconds=1)
    for response in (client.get(link), post(client, link)):
        assert response.status_code == 400
        assert "This confirmation link has expired" in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "A" + t[1:] if t[0] != "A" else "B" + t[1:],
        lambda t: "nonsense",
        lambda t: t + "x",
    ],
)
def test_tampered_email_token_is_a_clear_error(client, world, tamper):
    submit(client, world.network)
    link = email_link_path(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    bad = reverse(
        "members:signup:confirm_email", kwargs={"slug": world.network.slug, "token": tamper(token)}
    )
    for response in (client.get(bad), post(client, bad)):
        assert response.status_code in (400, 404)
        assert "does not work" in response.content.decode()
    assert Member.objects.get(email="an.claes@example.org").email_verified_at is None


def test_email_link_of_another_network_does_not_work(client, world):
    submit(client, world.network)
    link = email_link_path(mail.outbox[0])
    foreign = link.replace(f"/{world.network.slug}/", f"/{world.other_network.slug}/")
    assert post(client, foreign).status_code == 400
    assert Member.objects.get(email="an.claes@example.org").email_verified_at is None


def test_verify_page_without_a_sign_up_goes_to_the_form(client, world):
    response = client.get(verify_url(world.network))
    assert response.status_code == 302
    assert response["Location"] == join_url(world.network)


def test_csrf_is_enforced(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(join_url(world.network), form_data()).status_code == 403
    assert not Member.objects.filter(email="an.claes@example.org").exists()


def _cache_keys() -> list[str]:
    backend = cache._cache
    if isinstance(backend, dict):  # locmem
        return list(backend)
    return [key.decode() for key in backend.get_client().keys("*")]  # Redis


def test_rate_limit_counts_in_the_cache_without_addresses(client, world):
    from members.services.signup_codes import signup_rate_limit_hit

    results = [signup_rate_limit_hit(scope="resend", value="x") for _ in range(4)]
    assert results == [False, False, False, True]
    submit(client, world.network)
    keys = _cache_keys()
    assert any("signup:rl:submit_email" in key for key in keys)
    assert not any("an.claes" in key or "470123456" in key for key in keys)


def test_no_code_or_link_is_kept_once_sent(client, world, known):
    """Codes and links live only in the messages that went out: the outbox rows
    are emptied once sent, and the cache holds hashes only."""
    submit(client, world.network, **REAL)
    submit(client.__class__(), world.network, ip="192.0.2.2", **DECOY["email"])
    submit(client.__class__(), world.network, ip="192.0.2.3", **DECOY["phone"])
    secrets = [*_codes_to(REAL_MOBILE), *_codes_to(DECOY_MOBILE)]
    for message in mail.outbox:
        match = re.search(r"https?://\S+/(?:confirm|me)/(\S+)/", message.body)
        secrets.append(match.group(1))
    assert len(secrets) == 6  # 2 codes, 2 links, 2 personal links in the notices
    notifications = list(Notification.objects.all())
    # Every message of a sign-up carries a code or link: each is flagged sensitive.
    assert {n.kind for n in notifications} <= {
        "signup_sms_code", "signup_email_link", "signup_duplicate_notice", "welcome",
    }  # fmt: skip
    assert all(n.sensitive for n in notifications)
    for notification in notifications:
        assert notification.status == "sent"
        kept = notification.subject + notification.body + notification.html_body
        assert not any(secret in kept for secret in secrets)
    for key in _cache_keys():
        value = str(cache.get(key.split(":", 2)[2]))
        assert not any(secret in value for secret in secrets), key
