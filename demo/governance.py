"""Demo data for governance, meetings and BIN signs (called by ``seed_demo``).

Idempotent like the rest of the demo: a second run adds nothing. Dates are
relative to today, so the demo always shows a recent member meeting, one to
come and no overdue warning for Oordegem.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from charters.models import GovernanceEvent, Meeting, MeetingRSVP, ScreeningRecord, Sign
from charters.selectors.governance import screening_accepted
from members.models import Member
from networks.models import SCREENED_ROLES, Network, Role, RoleAssignment

# A rough outline around the centre of Oordegem (Lede), for the signs map.
OORDEGEM_AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [3.8270, 50.9545],
            [3.8530, 50.9545],
            [3.8560, 50.9650],
            [3.8420, 50.9700],
            [3.8250, 50.9660],
            [3.8270, 50.9545],
        ]
    ],
}

OORDEGEM_SIGNS = (
    # street, near number, latitude, longitude, state, placed (days ago or None)
    ("Kerkstraat", "1", "50.960400", "3.840100", Sign.State.PLACED, 3650),
    ("Dorp", "12", "50.961800", "3.836900", Sign.State.PLACED, 3650),
    ("Stationsstraat", "40", "50.957900", "3.845200", Sign.State.DAMAGED, 3000),
    ("Lindenstraat", "2", "50.964300", "3.842800", Sign.State.PLANNED, None),
)


def _at(days: int, hour: int = 20) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def seed_screenings(*, networks: dict[str, Network]) -> None:
    """Every demo coordinator and co-coordinator was screened by the zone's
    officer, so their roles are effective (the circular's rule, enforced by
    ``RoleAssignment.awaiting_screening``)."""
    waiting = RoleAssignment.objects.active().filter(
        network__in=networks.values(), role__in=SCREENED_ROLES, awaiting_screening=True
    )
    for assignment in waiting.select_related("network", "user"):
        if screening_accepted(network=assignment.network, user=assignment.user):
            continue
        officer = (
            RoleAssignment.objects.active()
            .filter(role=Role.OFFICER, police_zone_id=assignment.network.police_zone_id)
            .values_list("user", flat=True)
            .first()
        )
        # As BIN Oordegem's coordinator (seed_governance_demo's log entry).
        consent_on = datetime.date(2014, 3, 3)
        ScreeningRecord.objects.get_or_create(
            network=assignment.network,
            user_id=assignment.user_id,
            consent_on=consent_on,
            defaults={
                "outcome": ScreeningRecord.Outcome.ACCEPTED,
                "decided_on": datetime.date(2014, 3, 20),
                "recorded_by_id": officer,
            },
        )
    waiting.update(awaiting_screening=False)


def seed_governance_demo(*, networks: dict[str, Network], users: dict) -> None:
    """Meetings, a screening, signs and an area polygon for BIN Oordegem."""
    network = networks.get("oordegem")
    if network is None:
        return
    coordinator = users.get("coordinator@demo.bin")
    officer = users.get("officer@demo.bin")
    municipal = users.get("municipality@demo.bin")
    if network.area_geojson is None:
        Network.objects.filter(pk=network.pk).update(area_geojson=OORDEGEM_AREA)

    meetings = network.meetings
    if not meetings.filter(kind=Meeting.Kind.MEMBER_MEETING, status=Meeting.Status.HELD).exists():
        Meeting.objects.create(
            network=network,
            kind=Meeting.Kind.MEMBER_MEETING,
            status=Meeting.Status.HELD,
            starts_at=_at(-300),
            place="Parochiezaal Oordegem, Kerkstraat 3",
            agenda="1. Jaaroverzicht van de politie\n2. Inbraakpreventie\n3. Vragen",
            attendance=46,
            minutes=(
                "46 aanwezigen. De wijkinspecteur gaf het jaaroverzicht; de preventieadviseur "
                "toonde hoe je een woning beveiligt. Volgende ledenvergadering over een jaar."
            ),
            created_by=coordinator,
        )
    if not meetings.filter(
        kind=Meeting.Kind.MEMBER_MEETING,
        status=Meeting.Status.PLANNED,
        starts_at__gt=timezone.now(),
    ).exists():
        planned = Meeting.objects.create(
            network=network,
            kind=Meeting.Kind.MEMBER_MEETING,
            starts_at=_at(21),
            place="Parochiezaal Oordegem, Kerkstraat 3",
            agenda="1. Werking van het BIN\n2. Resultaten van de ledenbevraging\n3. Varia",
            created_by=coordinator,
        )
        for index, member in enumerate(Member.objects.active().filter(network=network)[:12]):
            answer = (MeetingRSVP.Answer.YES, MeetingRSVP.Answer.MAYBE, MeetingRSVP.Answer.NO)[
                index % 3
            ]
            MeetingRSVP.objects.get_or_create(
                meeting=planned,
                member=member,
                defaults={"answer": answer, "guests": 1 if answer == "yes" else 0},
            )

    if (
        coordinator is not None
        and not GovernanceEvent.objects.filter(
            network=network, action=GovernanceEvent.Action.SCREENING, subject_user=coordinator
        ).exists()
    ):
        ScreeningRecord.objects.get_or_create(
            network=network,
            user=coordinator,
            consent_on=datetime.date(2014, 3, 3),
            defaults={
                "outcome": ScreeningRecord.Outcome.ACCEPTED,
                "decided_on": datetime.date(2014, 3, 20),
                "recorded_by": officer,
            },
        )
        GovernanceEvent.objects.create(
            network=network,
            action=GovernanceEvent.Action.SCREENING,
            actor=officer,
            subject_user=coordinator,
            detail="Consent of 2014-03-03 recorded.",
        )

    for street, number, lat, lng, state, placed_days_ago in OORDEGEM_SIGNS:
        placed_on = (
            timezone.localdate() - datetime.timedelta(days=placed_days_ago)
            if placed_days_ago
            else None
        )
        Sign.objects.get_or_create(
            network=network,
            street=street,
            house_number=number,
            defaults={
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
                "state": state,
                "placed_on": placed_on,
                "updated_by": municipal,
            },
        )
