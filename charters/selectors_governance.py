"""Read-side queries of coordinator governance, meetings and BIN signs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from charters.models import (
    GovernanceEvent,
    Meeting,
    MeetingReminder,
    MeetingRSVP,
    ScreeningRecord,
    Sign,
)
from networks.models import Network, Role, RoleAssignment

# A member meeting is recommended once a year; the reminder goes out once per
# REMINDER_INTERVAL while none was held in MEETING_INTERVAL.
MEETING_INTERVAL = timedelta(days=365)
REMINDER_INTERVAL = timedelta(days=30)
SCREENED_ROLES = (Role.COORDINATOR, Role.CO_COORDINATOR)


# --- Governance -------------------------------------------------------------------


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
    from accounts.models import User

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


# --- Meetings ---------------------------------------------------------------------


def meeting_list(*, network: Network) -> QuerySet[Meeting]:
    """The network's meetings, newest first, with their RSVP counts."""
    return network.meetings.annotate(**_rsvp_annotations()).order_by("-starts_at")


def _rsvp_annotations() -> dict:
    yes = Q(rsvps__answer=MeetingRSVP.Answer.YES)
    return {
        "rsvp_yes": Count("rsvps", filter=yes),
        "rsvp_no": Count("rsvps", filter=Q(rsvps__answer=MeetingRSVP.Answer.NO)),
        "rsvp_maybe": Count("rsvps", filter=Q(rsvps__answer=MeetingRSVP.Answer.MAYBE)),
        "rsvp_guests": Sum("rsvps__guests", filter=yes, default=0),
    }


def meeting_rsvp_counts(*, meeting: Meeting) -> dict[str, int]:
    """Answers so far; guests count only with a yes. No names: everyone who
    sees the meeting (steering, municipality) may see the counts."""
    counts = Meeting.objects.filter(pk=meeting.pk).aggregate(**_rsvp_annotations())
    counts["expected"] = counts["rsvp_yes"] + counts["rsvp_guests"]
    return counts


def member_meeting_last_held(*, network: Network) -> Meeting | None:
    return (
        network.meetings.filter(kind=Meeting.Kind.MEMBER_MEETING, status=Meeting.Status.HELD)
        .order_by("-starts_at")
        .first()
    )


def _overdue_q(now: datetime) -> Q:
    """Active networks that held no member meeting in the last year and plan none.

    A network founded less than a year ago is not overdue yet: its
    information evening was the first gathering.
    """
    since = now - MEETING_INTERVAL
    held = Meeting.objects.filter(
        network=OuterRef("pk"),
        kind=Meeting.Kind.MEMBER_MEETING,
        status=Meeting.Status.HELD,
        starts_at__gte=since,
    )
    planned = Meeting.objects.filter(
        network=OuterRef("pk"),
        kind=Meeting.Kind.MEMBER_MEETING,
        status=Meeting.Status.PLANNED,
        starts_at__gte=now,
    )
    return (
        Q(status=Network.Status.ACTIVE)
        & ~Exists(held)
        & ~Exists(planned)
        & (Q(founded_on__isnull=True) | Q(founded_on__lte=since.date()))
    )


def meeting_overdue(*, network: Network, now: datetime | None = None) -> bool:
    """Whether the network should hold (or plan) its yearly member meeting."""
    now = now or timezone.now()
    return Network.objects.filter(pk=network.pk).filter(_overdue_q(now)).exists()


def networks_due_meeting_reminder(*, now: datetime | None = None) -> QuerySet[Network]:
    """Overdue networks whose coordinators were not reminded in the last 30 days."""
    now = now or timezone.now()
    recent = MeetingReminder.objects.filter(
        network=OuterRef("pk"), sent_at__gte=now - REMINDER_INTERVAL
    )
    return Network.objects.filter(_overdue_q(now)).filter(~Exists(recent)).order_by("pk")


def member_upcoming_meetings(*, member) -> list[tuple[Meeting, MeetingRSVP | None]]:
    """Planned meetings of the member's network still to come, with their answer.

    Steering-committee meetings are internal and never shown to members.
    """
    meetings = list(
        Meeting.objects.filter(
            network_id=member.network_id,
            status=Meeting.Status.PLANNED,
            starts_at__gt=timezone.now(),
        )
        .exclude(kind=Meeting.Kind.STEERING)
        .order_by("starts_at")[:10]
    )
    answers = {
        rsvp.meeting_id: rsvp
        for rsvp in MeetingRSVP.objects.filter(member=member, meeting__in=meetings)
    }
    return [(meeting, answers.get(meeting.pk)) for meeting in meetings]


# --- Signs ------------------------------------------------------------------------


def sign_list(*, network: Network) -> QuerySet[Sign]:
    return network.signs.select_related("updated_by").order_by("street", "house_number", "pk")


def signs_summary(*, networks: QuerySet[Network] | list) -> dict:
    """Counts of BIN signs per state for these networks, for reports:
    ``{"total": n, "by_state": [(value, label, count), ...]}``."""
    rows = dict(
        Sign.objects.filter(network__in=networks)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    by_state = [(value, label, rows.get(value, 0)) for value, label in Sign.State.choices]
    return {"total": sum(rows.values()), "by_state": by_state}


def sign_map_data(*, network: Network) -> dict:
    """What the map draws, for ``json_script``: signs with coordinates, the
    area polygon, and the tile server (empty: no background tiles)."""
    signs = [
        {
            "lat": float(sign.latitude),
            "lng": float(sign.longitude),
            "state": sign.state,
            "state_label": str(sign.get_state_display()),
            "label": f"{sign.street} {sign.house_number}".strip(),
        }
        for sign in network.signs.filter(latitude__isnull=False, longitude__isnull=False)
    ]
    return {
        "signs": signs,
        "area": network.area_geojson or None,
        "tiles": {
            "url": getattr(settings, "MAP_TILE_URL", ""),
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        },
    }
