"""The circular's screening rule, enforced: a coordinator or co-coordinator
role is only effective (member data, sending, the charter) once the mandated
officer recorded an accepted screening; until then it shows as awaiting
screening to the person and to the zone's officers."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from charters.models import ScreeningRecord
from charters.services.governance import screening_record
from messaging.services.incidents import incident_coordinators
from networks.models import Role, RoleAssignment
from networks.selectors import forget_user_roles, user_roles
from networks.services import role_grant
from tests.factories import UserFactory, enable_totp

pytestmark = pytest.mark.django_db

RIGHTS = (
    "members.view_member_list",
    "members.view_member_contact",
    "members.export_members",
    "messaging.compose_for_network",
    "charters.sign_charter",
)


def _screen(world, user, outcome, consent_on=date(2026, 1, 5)):
    screening_record(
        network=world.network,
        user=user,
        consent_on=consent_on,
        outcome=outcome,
        decided_on=None if outcome == ScreeningRecord.Outcome.PENDING else consent_on,
        recorded_by=world.users["officer"],
    )
    forget_user_roles(user=user)


def _new_coordinator(world, role=Role.COORDINATOR):
    user = UserFactory(email="nieuwe.coordinator@example.org", first_name="Hilde")
    enable_totp(user)
    role_grant(granted_by=world.users["officer"], user=user, role=role, network=world.network)
    return user


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CO_COORDINATOR])
def test_a_new_coordinator_role_awaits_screening_and_grants_nothing(world, role):
    user = _new_coordinator(world, role)
    assignment = RoleAssignment.objects.active().get(user=user, network=world.network)
    assert assignment.awaiting_screening
    roles = user_roles(user=user)
    assert roles.awaiting_screening_of == {world.network.pk}
    assert world.network.pk not in roles.coordinates
    for right in RIGHTS:
        assert not user.has_perm(right, world.network), right


def test_an_accepted_screening_makes_the_role_effective_and_a_refusal_suspends_it(world):
    user = _new_coordinator(world)
    _screen(world, user, ScreeningRecord.Outcome.PENDING)
    assert not user.has_perm("members.view_member_list", world.network)

    _screen(world, user, ScreeningRecord.Outcome.ACCEPTED)
    assert not RoleAssignment.objects.get(user=user, network=world.network).awaiting_screening
    for right in RIGHTS:
        assert user.has_perm(right, world.network), right

    # A later re-screening that is refused takes the rights away again.
    _screen(world, user, ScreeningRecord.Outcome.REFUSED, consent_on=date(2026, 3, 1))
    assert RoleAssignment.objects.get(user=user, network=world.network).awaiting_screening
    assert not user.has_perm("members.view_member_list", world.network)


def test_a_role_granted_after_an_accepted_screening_is_effective_at_once(world):
    user = _new_coordinator(world, Role.CO_COORDINATOR)
    _screen(world, user, ScreeningRecord.Outcome.ACCEPTED)
    role_grant(
        granted_by=world.users["officer"], user=user, role=Role.COORDINATOR, network=world.network
    )
    forget_user_roles(user=user)
    assert RoleAssignment.objects.get(user=user, role=Role.COORDINATOR).awaiting_screening is False
    assert user.has_perm("charters.sign_charter", world.network)


def test_member_pages_and_charter_are_closed_while_awaiting(client, world):
    user = _new_coordinator(world)
    client.force_login(user)
    for name in ("members:list", "charters:detail"):
        response = client.get(reverse(name, args=[world.network.slug]))
        assert response.status_code == 403, name


def test_the_person_and_the_officer_see_the_role_awaiting_screening(client, world):
    user = _new_coordinator(world)
    client.force_login(user)
    body = client.get(reverse("accounts:home")).content.decode()
    assert "Awaiting screening" in body
    assert world.network.name in body
    assert "no role yet" not in body

    client.force_login(world.users["officer"])
    body = client.get(reverse("accounts:home")).content.decode()
    assert "Coordinators awaiting screening" in body
    assert "Hilde" in body
    # The officer of another zone does not see it.
    client.force_login(world.users["officer_other"])
    assert "Hilde" not in client.get(reverse("accounts:home")).content.decode()

    _screen(world, user, ScreeningRecord.Outcome.ACCEPTED)
    client.force_login(world.users["officer"])
    assert (
        "Coordinators awaiting screening"
        not in client.get(reverse("accounts:home")).content.decode()
    )


def test_reports_and_charter_requests_skip_an_unscreened_coordinator(world):
    user = _new_coordinator(world)
    assert user not in set(incident_coordinators(network=world.network))
    _screen(world, user, ScreeningRecord.Outcome.ACCEPTED)
    assert user in set(incident_coordinators(network=world.network))


def test_the_upgrade_marks_unscreened_coordinators_as_awaiting(world):
    """charters 0004: roles without an accepted latest screening await it."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("charters.migrations.0004_screening_enforced")
    screened = world.users["coordinator"]
    _screen(world, screened, ScreeningRecord.Outcome.ACCEPTED)
    migration.forwards(apps, None)
    by_user = dict(
        RoleAssignment.objects.active()
        .filter(network=world.network)
        .values_list("user_id", "awaiting_screening")
    )
    assert by_user[screened.pk] is False
    assert by_user[world.users["co_coordinator"].pk] is True
    assert by_user[world.users["steering"].pk] is False  # not a screened role
