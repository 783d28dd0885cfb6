"""The whole demo data set in one transaction (``manage.py seed_demo``).

Running it again creates nothing twice. Reference data (zones, municipalities,
networks, streets) is brought back to what is written here; people (users,
members) are only added when missing. ``make run`` calls this on every start,
so it must stay idempotent and fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from demo.accounts import DEFAULT_PASSWORD, seed_accounts
from demo.charters import seed_charters
from demo.governance import seed_governance_demo, seed_screenings
from demo.members import seed_members
from demo.networks import seed_networks
from demo.places import ALL_MUNICIPALITIES, ALL_NETWORKS, ALL_ZONES
from demo.starting import seed_starting
from demo.surveys import seed_surveys
from members.models import Member


@dataclass
class SeedResult:
    """What a run printed and how much of it was new."""

    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    members_created: int = 0
    users_created: int = 0


def seed_demo(*, password: str = DEFAULT_PASSWORD) -> SeedResult:
    """Create or complete the demo data set in one transaction and return the
    logins (email, role, scope, TOTP secret) and how much was new."""
    result = SeedResult()
    with transaction.atomic():
        networks = seed_networks(
            zone_specs=ALL_ZONES,
            municipality_specs=ALL_MUNICIPALITIES,
            network_specs=ALL_NETWORKS,
        )
        users = seed_accounts(password=password, networks=networks, result=result)
        # Screened first: a coordinator's role is effective only then (charter
        # contacts, signatures, member data).
        seed_screenings(networks=networks)
        seed_members(networks=networks, users=users, result=result)
        seed_charters(networks=networks, users=users)
        seed_governance_demo(networks=networks, users=users)
        seed_starting(networks=networks)
        # The demo list was collected and checked by hand: its addresses count
        # as verified, so pending demo members wait in the approval queue.
        now = timezone.now()
        Member.objects.filter(network__in=networks.values(), email_verified_at__isnull=True).update(
            email_verified_at=now, phone_verified_at=now
        )
        seed_surveys()
    return result
