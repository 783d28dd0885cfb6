"""The public sign-up: the pages, the flow, eligibility, codes and links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.forms.signup import adult_since
from members.models import ConsentRecord, Member, Verification
from networks.models import Network
from outbox.gateways import locmem
from outbox.models import Notification
from outbox.selectors import notifications_about
from tests.factories import MunicipalityFactory, NetworkFactory, PoliceZoneFactory
from tests.members.signup_helpers import (
    email_link_path,
    form_data,
    join_url,
    post,
    sms_code,
    submit,
    verify_url,
)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def nl_network(**fields) -> Network:
    zone = PoliceZoneFactory(country="NL")
    return NetworkFactory(
        municipality=MunicipalityFactory(police_zone=zone),
        streets=[("Dorpsstraat", "1234 AB", None, None)],
        languages=["nl"],
        **fields,
    )


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
    page = client.get(reverse("networks:public:network", kwargs={"slug": world.network.slug}))
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


def test_binz_asks_business_or_resident_and_needs_business_details_from_businesses(client, world):
    binz = NetworkFactory(municipality=world.municipality, kind=Network.Kind.BINZ)
    form = client.get(join_url(binz)).context["form"]
    assert {"applicant", "business_name", "company_number"} <= set(form.fields)
    plain = client.get(join_url(world.network)).context["form"].fields
    assert not {"applicant", "business_name", "company_number"} & set(plain)
    # The question must be answered.
    response = submit(client, binz, relation="works")
    assert "applicant" in response.context["form"].errors
    # A business gives its name and its company number.
    response = submit(client, binz, relation="works", applicant="business")
    errors = response.context["form"].errors
    assert "business_name" in errors and "company_number" in errors
    response = submit(client, binz, relation="works", applicant="business",
                      business_name="Bakkerij An", company_number="123.456")  # fmt: skip
    assert "company_number" in response.context["form"].errors
    assert not Member.objects.filter(network=binz).exists()
    assert not Notification.objects.exists()


def test_a_resident_joins_a_binz_without_business_details(client, world):
    """Seed 002: "Burgers uit een commerciële buurt kunnen ook betrokken worden"."""
    binz = NetworkFactory(municipality=world.municipality, kind=Network.Kind.BINZ)
    response = submit(client, binz, relation="lives", applicant="resident",
                      business_name="Leftover typed before switching")  # fmt: skip
    assert response.status_code == 302
    member = Member.objects.get(network=binz)
    assert member.business_name == "" and member.company_number == ""
    assert member.relation == "lives"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("0123.456.789", "0123456789"), ("BE 0123 456 789", "0123456789"), ("12345678", "12345678")],
)
def test_binz_company_number_is_normalised(client, world, raw, stored):
    binz = NetworkFactory(municipality=world.municipality, kind=Network.Kind.BINZ)
    response = submit(
        client, binz, applicant="business", business_name="Bakkerij An", company_number=raw
    )
    assert response.status_code == 302
    member = Member.objects.get(network=binz)
    assert member.company_number == stored and member.business_name == "Bakkerij An"


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
