"""Read-side queries of coordinator governance: the team, screenings, the log."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import User
from charters.models import GovernanceEvent, ScreeningRecord
from networks.models import Network, Role, RoleAssignment


@dataclass
class NetworkTeam:
    coordinators: list[RoleAssignment] = field(default_factory=list)
    co_coordinators: list[RoleAssignment] = field(default_factory=list)
    steering: list[RoleAssignment] = field(default_factory=list)

    @property
    def screened(self) -> list[RoleAssignment]:
        """The people who must agree to a screening (coordinator and co-coordinators)."""
        return self.coordinators + self.co_coordinators


def network_team(*, network: Network) -> NetworkTeam:
    """The network's own roles (not the zone's officers or the municipality's staff)."""
    team = NetworkTeam()
    rows = (
        RoleAssignment.objects.active()
        .filter(network=network)
        .select_related("user")
        .order_by("granted_at", "pk")
    )
    buckets = {
        Role.COORDINATOR: team.coordinators,
        Role.CO_COORDINATOR: team.co_coordinators,
        Role.STEERING: team.steering,
    }
    for row in rows:
        buckets[row.role].append(row)
    return team


def network_co_coordinator_users(*, network: Network):
    """Users who hold an active co-coordinator role: the possible successors."""
    return User.objects.filter(
        role_assignments__network=network,
        role_assignments__role=Role.CO_COORDINATOR,
        role_assignments__revoked_at__isnull=True,
    ).order_by("last_name", "first_name", "email")


def screening_latest(*, network: Network, user_ids) -> dict[int, ScreeningRecord]:
    """The most recent screening record per person in this network."""
    latest: dict[int, ScreeningRecord] = {}
    rows = ScreeningRecord.objects.filter(network=network, user_id__in=list(user_ids)).order_by(
        "user_id", "-consent_on", "-pk"
    )
    for record in rows:
        latest.setdefault(record.user_id, record)
    return latest


def screening_accepted(*, network: Network, user) -> bool:
    record = screening_latest(network=network, user_ids=[user.pk]).get(user.pk)
    return record is not None and record.outcome == ScreeningRecord.Outcome.ACCEPTED


def governance_events(*, network: Network) -> QuerySet[GovernanceEvent]:
    return GovernanceEvent.objects.filter(network=network).select_related("actor", "subject_user")
