"""Read-side queries of meetings: lists with answer counts, the yearly member
meeting (overdue, reminders) and a member's upcoming meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from charters.models import Meeting, MeetingReminder, MeetingRSVP
from networks.models import Network

# A member meeting is recommended once a year; the reminder goes out once per
# REMINDER_INTERVAL while none was held in MEETING_INTERVAL.
MEETING_INTERVAL = timedelta(days=365)
REMINDER_INTERVAL = timedelta(days=30)


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
