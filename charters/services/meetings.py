"""Meetings: plan, invite members through Messaging, RSVPs, close, reminders."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from charters.models import Meeting, MeetingReminder, MeetingRSVP
from charters.selectors.meetings import member_meeting_last_held, networks_due_meeting_reminder
from members.models import Member
from messaging.models import Message
from messaging.selectors.policy import communication_policy, plan_channel_problems
from messaging.services.drafts import message_draft_save
from messaging.services.lifecycle import message_cancel
from networks.models import Network, Role, RoleAssignment
from outbox.services.notifications import notification_queue

__all__ = [
    "MAX_GUESTS",
    "meeting_close",
    "meeting_invite",
    "meeting_reminders_send",
    "meeting_rsvp",
    "meeting_save",
]

logger = logging.getLogger(__name__)

MAX_GUESTS = 9


def _check_manage(*, network: Network, by) -> None:
    if not by.has_perm("charters.manage_meetings", network):
        raise PermissionDenied(_("You may not plan meetings for this network."))


@transaction.atomic
def meeting_save(
    *,
    network: Network,
    by,
    kind: str,
    starts_at: datetime,
    place: str,
    agenda: str = "",
    meeting: Meeting | None = None,
) -> Meeting:
    """Plan a meeting, or change a planned one. It must lie in the future:
    a meeting already held is closed with its attendance and minutes instead."""
    _check_manage(network=network, by=by)
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk, network=network)
        if meeting.status != Meeting.Status.PLANNED:
            raise ValidationError(_("Only a planned meeting can be changed."))
    errors: dict[str, str] = {}
    if kind not in Meeting.Kind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    moved = meeting is None or meeting.starts_at != starts_at
    if moved and starts_at <= timezone.now():
        errors["starts_at"] = _("A planned meeting starts in the future.")
    if not place.strip():
        errors["place"] = _("Say where the meeting takes place.")
    if errors:
        raise ValidationError(errors)
    changed = meeting is not None and (
        meeting.kind != kind
        or meeting.starts_at != starts_at
        or meeting.place != place.strip()
        or meeting.agenda != agenda.strip()
    )
    if meeting is None:
        meeting = Meeting(network=network, created_by=by)
    elif changed:
        # An invitation not sent yet would tell members the old date or place.
        _invitation_withdraw(meeting=meeting, by=by)
    meeting.kind = kind
    meeting.starts_at = starts_at
    meeting.place = place.strip()
    meeting.agenda = agenda.strip()
    meeting.save()
    logger.info("meeting %s of network %s saved by %s", meeting.pk, network.pk, by.pk)
    return meeting


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, by, status: str, attendance: int | None = None, minutes: str = ""
) -> Meeting:
    """Record that a meeting was held (attendance and minutes) or cancelled.

    A held meeting's attendance and minutes may be corrected later; a
    cancelled one stays cancelled.
    """
    meeting = Meeting.objects.select_for_update().select_related("network").get(pk=meeting.pk)
    _check_manage(network=meeting.network, by=by)
    if status == Meeting.Status.HELD:
        if meeting.status == Meeting.Status.CANCELLED:
            raise ValidationError({"status": _("A cancelled meeting cannot be marked as held.")})
        if meeting.starts_at > timezone.now():
            raise ValidationError({"status": _("This meeting has not taken place yet.")})
        if attendance is None:
            raise ValidationError({"attendance": _("Give the number of people present.")})
        meeting.attendance = attendance
        meeting.minutes = minutes.strip()
    elif status == Meeting.Status.CANCELLED:
        if meeting.status != Meeting.Status.PLANNED:
            raise ValidationError({"status": _("Only a planned meeting can be cancelled.")})
        meeting.attendance = None
        _invitation_withdraw(meeting=meeting, by=by)
    else:
        raise ValidationError({"status": _("Choose held or cancelled.")})
    meeting.status = status
    meeting.save(update_fields=["status", "attendance", "minutes", "updated_at"])
    logger.info("meeting %s closed as %s by %s", meeting.pk, status, by.pk)
    return meeting


def _invitation_withdraw(*, meeting: Meeting, by) -> None:
    """Cancel the meeting's invitation if it has not gone out yet (a draft or
    one awaiting the officer's approval), so that it can no longer be
    published with outdated details; the meeting page offers a new one.

    An invitation already published stays as it is: members were told, and a
    correction is a new message (the meeting page says so).
    """
    invitation = meeting.invitation
    if invitation is None or invitation.status not in (
        Message.Status.DRAFT,
        Message.Status.PENDING_APPROVAL,
    ):
        return
    message_cancel(message=invitation, cancelled_by=by)
    logger.info("invitation %s of meeting %s withdrawn", invitation.pk, meeting.pk)


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def meeting_invitation_texts(*, meeting: Meeting) -> dict[str, dict[str, str]]:
    """The invitation in each of the network's languages: SMS, subject, email body.

    Every message already carries the member's personal link (appended by
    the fan-out), so the texts only say to answer through it.
    """
    texts = {}
    starts = _local(meeting.starts_at)
    for code in meeting.network.languages or ["nl"]:
        with translation.override(code):
            values = {
                "network": meeting.network.name,
                "kind": str(meeting.get_kind_display()),
                "date": formats.date_format(starts, "DATE_FORMAT"),
                "time": formats.time_format(starts, "TIME_FORMAT"),
                "place": meeting.place,
            }
            sms = (
                _(
                    "%(network)s: %(kind)s on %(date)s at %(time)s, %(place)s. Please answer "
                    "through your personal page:"
                )
                % values
            )
            subject = _("Invitation: %(kind)s of %(network)s on %(date)s") % values
            lines = [
                _("Dear member,"),
                "",
                _("You are invited to the %(kind)s of %(network)s.") % values,
                "",
                _("When: %(date)s at %(time)s") % values,
                _("Where: %(place)s") % values,
            ]
            if meeting.agenda:
                lines += ["", _("Agenda:"), meeting.agenda]
            lines += [
                "",
                _(
                    "Will you come? Answer yes, no or maybe on your personal page (the link "
                    "below), and say how many people come with you."
                ),
            ]
            texts[code] = {"sms": sms, "subject": subject, "body": "\n".join(lines)}
    return texts


@transaction.atomic
def meeting_invite(*, meeting: Meeting, by, by_email: bool = True, by_sms: bool = False):
    """Write the invitation as a draft Messaging message (kind information).

    The draft goes through Messaging's usual flow: the officer publishes it,
    a coordinator submits it for approval or publishes it directly when the
    network's communication plan allows. Returns the draft, also stored on
    ``meeting.invitation``. An existing draft is brought up to date instead
    of writing a second one.
    """
    meeting = Meeting.objects.select_for_update().select_related("network").get(pk=meeting.pk)
    network = meeting.network
    _check_manage(network=network, by=by)
    if not by.has_perm("messaging.send_to_network", network):
        policy = communication_policy(network=network)
        if Message.Kind.INFO not in policy.coordinator_kinds or not by.has_perm(
            "messaging.compose_for_network", network
        ):
            raise PermissionDenied(
                _("The communication plan does not let you send information messages.")
            )
    if meeting.kind == Meeting.Kind.STEERING:
        raise ValidationError(_("Steering-committee meetings are not sent to the members."))
    if meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= timezone.now():
        raise ValidationError(_("Only a planned meeting still to come can be announced."))
    if network.status != Network.Status.ACTIVE:
        raise ValidationError(_("Messages go to members of active networks only."))
    if not (by_email or by_sms):
        raise ValidationError({"by_email": _("Choose at least one channel.")})
    plan_errors = plan_channel_problems(
        networks=[network], kind=Message.Kind.INFO, by_sms=by_sms, by_email=by_email
    )
    if plan_errors:
        raise ValidationError(plan_errors)
    draft = meeting.invitation
    if draft is not None and draft.status != Message.Status.DRAFT:
        if draft.status != Message.Status.CANCELLED:
            raise ValidationError(
                _("The invitation was already sent or submitted; follow it on its page.")
            )
        draft = None
    if (
        draft is not None
        and draft.created_by_id != by.pk
        and not draft.created_by.has_perm("messaging.compose_for_network", network)
    ):
        # Its author no longer works for the network (handed over, removed):
        # the draft is withdrawn so that the new team can write its own.
        _invitation_withdraw(meeting=meeting, by=by)
        draft = None
    if draft is not None and draft.created_by_id != by.pk:
        # Someone else's draft: theirs to finish; a new one would go out twice.
        raise ValidationError(_("%(who)s is preparing the invitation already.") % {
            "who": draft.created_by.get_full_name() or draft.created_by.email
        })  # fmt: skip
    message = message_draft_save(
        created_by=by,
        networks=[network],
        message=draft,
        kind=Message.Kind.INFO,
        streets=[],
        by_sms=by_sms,
        by_email=by_email,
        by_voice=False,
        texts=meeting_invitation_texts(meeting=meeting),
    )
    if meeting.invitation_id != message.pk:
        meeting.invitation = message
        meeting.save(update_fields=["invitation", "updated_at"])
    logger.info("invitation draft %s for meeting %s by %s", message.pk, meeting.pk, by.pk)
    return message


@transaction.atomic
def meeting_rsvp(*, meeting: Meeting, member, answer: str, guests: int = 0) -> MeetingRSVP:
    """A member's answer through their personal link; answering again changes it."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.network_id != member.network_id or meeting.kind == Meeting.Kind.STEERING:
        raise PermissionDenied(_("This meeting is not one of your network's."))
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Only active members answer invitations."))
    if meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= timezone.now():
        raise ValidationError(_("This meeting is no longer open for answers."))
    if answer not in MeetingRSVP.Answer.values:
        raise ValidationError({"answer": _("Choose yes, no or maybe.")})
    if guests < 0 or guests > MAX_GUESTS:
        raise ValidationError(
            {"guests": _("At most %(max)s people with you.") % {"max": MAX_GUESTS}}
        )
    if answer == MeetingRSVP.Answer.NO:
        guests = 0
    rsvp, _created = MeetingRSVP.objects.update_or_create(
        meeting=meeting, member=member, defaults={"answer": answer, "guests": guests}
    )
    return rsvp


def meeting_reminders_send(*, now: datetime | None = None) -> list[int]:
    """Remind the coordinators of networks without a member meeting for a year.

    One email per coordinator and co-coordinator through the Notification
    outbox, at most once per 30 days per network (``MeetingReminder``).
    Returns the ids of the networks reminded. Run daily by Celery beat.
    """
    now = now or timezone.now()
    reminded = []
    for network_id in networks_due_meeting_reminder(now=now).values_list("pk", flat=True):
        with transaction.atomic():
            # Locked and checked again: a second run at the same time skips it.
            network = Network.objects.select_for_update().get(pk=network_id)
            if not networks_due_meeting_reminder(now=now).filter(pk=network.pk).exists():
                continue
            _remind(network=network)
            MeetingReminder.objects.create(network=network)
            reminded.append(network.pk)
    return reminded


def _remind(*, network: Network) -> None:

    last = member_meeting_last_held(network=network)
    url = settings.PUBLIC_BASE_URL + reverse(
        "charters:governance:meeting_new", kwargs={"slug": network.slug}
    )
    people = (
        RoleAssignment.objects.effective()
        .filter(network=network, role__in=[Role.COORDINATOR, Role.CO_COORDINATOR])
        .select_related("user")
    )
    for user in {assignment.user for assignment in people}:
        if not user.is_active or not user.email:
            continue
        with translation.override(user.preferred_language or network.default_language):
            if last:
                since = _("The last member meeting was on %(date)s.") % {
                    "date": formats.date_format(_local(last.starts_at), "DATE_FORMAT")
                }
            else:
                since = _("No member meeting has been recorded yet.")
            notification_queue(
                kind="meeting_reminder",
                channel="email",
                to=user.email,
                subject=_("%(network)s: time for the yearly member meeting") % {
                    "network": network.name
                },
                body="\n\n".join(
                    [
                        _(
                            "The circular recommends a member meeting every year, and %(network)s "
                            "held none in the last twelve months."
                        ) % {"network": network.name},
                        since,
                        _("Plan one here: %(url)s") % {"url": url},
                    ]
                ),
            )  # fmt: skip
