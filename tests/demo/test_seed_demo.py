"""The demo data command: complete, valid, idempotent, and its logins usable."""

from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command

from accounts.models import User
from charters.models import InterestEntry, Meeting, StartRequest
from demo.accounts import DEFAULT_PASSWORD, demo_totp_secret
from members.models import ConsentRecord, Member
from networks.models import (
    Country,
    Municipality,
    Network,
    PoliceZone,
    Role,
    RoleAssignment,
    Street,
)
from networks.selectors import address_in_area, user_roles

COUNTED = (
    PoliceZone,
    Municipality,
    Network,
    Street,
    Member,
    ConsentRecord,
    User,
    EmailAddress,
    RoleAssignment,
    Authenticator,
    StartRequest,
    InterestEntry,
    Meeting,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return _seed()


@pytest.mark.django_db
def test_second_run_creates_nothing(seeded):
    before = _counts()

    output = _seed()

    assert _counts() == before
    assert "(0 new)" in output
    # A later run with another password changes passwords, never the number of rows.
    call_command("seed_demo", "--force", "--password", "another-demo-pass", stdout=StringIO())
    assert _counts() == before
    assert User.objects.get(email="steering@demo.bin").check_password("another-demo-pass")


@pytest.mark.django_db
def test_networks_and_places(seeded):
    belgian = Network.objects.filter(police_zone__number="5416", kind=Network.Kind.BIN)
    assert sorted(belgian.values_list("slug", flat=True)) == ["aaigem", "bambrugge", "oordegem"]
    for network in belgian:
        assert network.status == Network.Status.ACTIVE
        assert network.police_zone.number == "5416"
        assert 10 <= network.streets.values("name").distinct().count() <= 15
    oordegem = Network.objects.get(slug="oordegem")
    assert "Oordegem" in oordegem.name
    assert oordegem.municipality.official_code == "41034"
    assert str(oordegem.founded_on) == "2014-05-01"
    bambrugge = Network.objects.get(slug="bambrugge")
    assert bambrugge.municipality.official_code == "41082"
    assert "Bamburst" in bambrugge.public_description
    assert Network.objects.get(slug="aaigem").municipality.name == "Erpe-Mere"

    binz = Network.objects.get(kind=Network.Kind.BINZ)
    assert binz.status == Network.Status.PREPARING
    assert binz.municipality.name == "Lede"

    lombok = Network.objects.get(slug="lombok")
    assert lombok.slug == "lombok"
    assert lombok.police_zone.number == "NL-UT-01"
    assert lombok.municipality.official_code == "GM0344"
    assert lombok.languages == ["nl", "en"]
    assert all(
        re.fullmatch(r"\d{4} [A-Z]{2}", postcode)
        for postcode in lombok.streets.values_list("postcode", flat=True)
    )
    # Every network passes the same validation the admin forms apply.
    for network in Network.objects.all():
        network.full_clean()
    for street in Street.objects.all():
        street.full_clean()


@pytest.mark.django_db
def test_members_are_valid_and_varied(seeded):
    members = list(Member.objects.select_related("network"))
    assert len(members) >= 300
    for member in members:
        assert (
            address_in_area(
                network=member.network,
                street=member.street,
                house_number=member.house_number,
                postcode=member.postcode,
            )
            == {}
        ), member.address
        prefix = "+31" if member.network.country == Country.NETHERLANDS else "+32"
        for phone in (member.mobile_phone, member.landline):
            assert not phone or str(phone).startswith(prefix), (member.network, phone)
        assert member.consents.count() == 2
    emails = [member.email for member in members]
    assert len(set(emails)) == len(emails)
    statuses = {member.status for member in members}
    assert {Member.Status.ACTIVE, Member.Status.PENDING, Member.Status.SUSPENDED} <= statuses
    assert {member.language for member in members} >= {"nl", "fr", "en"}
    assert any(member.by_voice and member.landline for member in members)
    for network in Network.objects.all():
        assert network.members.count() >= 10


EXPECTED_ROLES = {
    "admin@demo.bin": (Role.ADMIN, None),
    "officer@demo.bin": (Role.OFFICER, "officer_of_zones"),
    "coordinator@demo.bin": (Role.COORDINATOR, "coordinator_of"),
    "cocoordinator@demo.bin": (Role.CO_COORDINATOR, "co_coordinator_of"),
    "steering@demo.bin": (Role.STEERING, "steering_of"),
    "municipality@demo.bin": (Role.MUNICIPAL_STAFF, "staff_of_municipalities"),
    "federal@demo.bin": (Role.FEDERAL_VIEWER, None),
    "coordinator-nl@demo.bin": (Role.COORDINATOR, "coordinator_of"),
}


@pytest.mark.django_db
def test_demo_logins_have_their_role_and_mfa(seeded):
    scopes = {
        "officer@demo.bin": PoliceZone.objects.get(number="5416").pk,
        "coordinator@demo.bin": Network.objects.get(slug="oordegem").pk,
        "cocoordinator@demo.bin": Network.objects.get(slug="oordegem").pk,
        "steering@demo.bin": Network.objects.get(slug="oordegem").pk,
        "municipality@demo.bin": Municipality.objects.get(official_code="41034").pk,
        "coordinator-nl@demo.bin": Network.objects.get(slug="lombok").pk,
    }
    for email, (role, attribute) in EXPECTED_ROLES.items():
        user = User.objects.get(email=email)
        assert user.check_password(DEFAULT_PASSWORD)
        assert role in user_roles(user=user).role_names, email
        if attribute:
            assert getattr(user_roles(user=user), attribute) == {scopes[email]}, email
        assert EmailAddress.objects.filter(
            user=user, email=email, verified=True, primary=True
        ).exists()
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == demo_totp_secret(email)
        assert Authenticator.objects.filter(
            user=user, type=Authenticator.Type.RECOVERY_CODES
        ).exists()
        assert email in seeded
        assert demo_totp_secret(email) in seeded
    admin = User.objects.get(email="admin@demo.bin")
    assert admin.is_superuser and admin.is_staff
    assert user_roles(user=User.objects.get(email="federal@demo.bin")).is_federal_viewer
    assert "`.venv/bin/python manage.py demo_totp <email>`" in seeded


@pytest.mark.django_db
def test_demo_totp_prints_the_current_code(seeded):
    out = StringIO()

    call_command("demo_totp", "coordinator@demo.bin", "--force", stdout=out, stderr=StringIO())

    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    secret = demo_totp_secret("coordinator@demo.bin")
    counter = int(time.time()) // 30
    # The call may straddle a 30-second boundary.
    expected = {format_hotp_value(hotp_value(secret, c)) for c in (counter - 1, counter)}
    assert code in expected


@pytest.mark.django_db
def test_demo_totp_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "coordinator@demo.bin", stdout=StringIO())


@pytest.mark.django_db
def test_demo_totp_only_serves_demo_logins():
    with pytest.raises(CommandError, match="demo"):
        call_command("demo_totp", "someone@example.org", "--force", stdout=StringIO())


def test_refuses_without_debug(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db
def test_starting_a_bin_demo(seeded):
    """A request waits for the Erpe-Mere/Lede officer; the BIN-Z being founded
    has a confirmed interest list and an information evening to come."""
    (request,) = StartRequest.objects.filter(status="new")
    assert request.municipality.police_zone.number == "5416"
    binz = Network.objects.get(slug="binz-industriezone-lede")
    entries = InterestEntry.objects.filter(network=binz, email_verified_at__isnull=False)
    assert entries.count() == 3
    assert Meeting.objects.filter(network=binz, kind="info_evening", status="planned").exists()
