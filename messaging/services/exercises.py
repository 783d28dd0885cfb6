"""Rehearsing a message without alarming the neighbourhood.

Two ways, both marked TEST on every channel (``messaging.selectors.messages.
texts_marked_test``) and neither counted in the reports:

- a test to oneself: the draft's texts to the staff user's own email and
  mobile, as outbox notifications (no Delivery, no fan-out);
- an exercise: a copy of the draft (``Message.is_exercise``, ``exercise_of``)
  published to a few chosen members of its networks through the normal
  fan-out and sending; CAP status Test.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Member
from messaging.models import Message
from messaging.selectors.messages import texts_marked_test
from messaging.services.lifecycle import message_publish
from outbox.selectors import notifications_about
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)

SELF_TEST_KIND = "message_self_test"
# Tests to oneself per draft and hour: enough to try a text a few times, not
# a way around the approval to send it to someone else.
SELF_TESTS_PER_HOUR = 5
# An exercise reaches a chosen group, not a neighbourhood.
EXERCISE_MAX_MEMBERS = 50
REHEARSABLE = (Message.Status.DRAFT, Message.Status.PENDING_APPROVAL)


def self_test_language(*, message: Message, user) -> str:
    """The language of a test to oneself: the user's own language when the
    draft has a text in it, else the draft's first language."""
    preferred = user.preferred_language or settings.LANGUAGE_CODE
    if message.texts.get(preferred):
        return preferred
    return next((code for code, text in message.texts.items() if text), preferred)


@transaction.atomic
def message_self_test_send(*, message: Message, user) -> list[str]:
    """Send the draft's texts to ``user``'s own email and mobile, marked TEST.

    Outbox notifications only: no Delivery of the message exists afterwards,
    so nothing is counted. At most ``SELF_TESTS_PER_HOUR`` per draft.
    Returns the channels used ("email", "sms").
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in REHEARSABLE:
        raise ValidationError(_("Only a draft can be tested."))
    if not any(message.texts.values()):
        raise ValidationError(_("Write the text of the message first."))
    since = timezone.now() - timedelta(hours=1)
    # One email per test (every staff account has an address): count those.
    sent = (
        notifications_about(obj=message)
        .filter(kind=SELF_TEST_KIND, channel="email", created_at__gte=since)
        .count()
    )
    if sent >= SELF_TESTS_PER_HOUR:
        raise ValidationError(
            ngettext(
                "This draft was already tested %(count)s time in the last hour; try again later.",
                "This draft was already tested %(count)s times in the last hour; try again later.",
                sent,
            )
            % {"count": sent}
        )
    language = self_test_language(message=message, user=user)
    with translation.override(language):
        note = _("TEST: a test of a draft, sent to you only. No member received it.")
    texts = texts_marked_test(
        texts=message.text_for(language, language), language=language, note=note
    )
    notification_queue(
        kind=SELF_TEST_KIND,
        channel="email",
        to=user.email,
        subject=texts["subject"],
        body=texts["body"],
        about=message,
    )
    channels = ["email"]
    if user.mobile_phone:
        notification_queue(
            kind=SELF_TEST_KIND,
            channel="sms",
            to=str(user.mobile_phone),
            body=texts["sms"],
            about=message,
        )
        channels.append("sms")
    logger.info("message %s: test to self by %s (%s)", message.pk, user.pk, channels)
    return channels


@transaction.atomic
def message_exercise_send(*, message: Message, members, sent_by) -> Message:
    """Send a copy of the draft ``message`` as an exercise to ``members``.

    The copy (``is_exercise``, ``exercise_of=message``) is published through
    the normal path (plan check, fan-out, sending), reaches only the chosen
    active members of the draft's networks, and is marked TEST on every
    channel and as CAP status Test. ``members`` must be ones ``sent_by`` may
    see (the form offers only those); the draft itself stays a draft.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in REHEARSABLE:
        raise ValidationError(_("Only a draft can be rehearsed."))
    members = list(members)
    if not members:
        raise ValidationError({"members": _("Choose at least one member.")})
    if len(members) > EXERCISE_MAX_MEMBERS:
        raise ValidationError(
            {
                "members": _("An exercise goes to at most %(max)s members.")
                % {"max": EXERCISE_MAX_MEMBERS}
            }
        )
    network_ids = set(message.networks.values_list("pk", flat=True))
    for member in members:
        if member.network_id not in network_ids:
            raise ValidationError({"members": _("Choose members of the message's networks.")})
        if not sent_by.has_perm("members.view_member_list", member.network):
            raise PermissionDenied
        if member.status != Member.Status.ACTIVE:
            raise ValidationError(
                {"members": _("%(name)s is not an active member.") % {"name": member}}
            )
    exercise = Message.objects.create(
        kind=message.kind,
        streets=[],
        by_sms=message.by_sms,
        by_email=message.by_email,
        by_voice=message.by_voice,
        texts=message.texts,
        # Not linked to the alert it follows: an exercise is no real feedback.
        expires_at=message.expires_at,
        created_by=sent_by,
        is_exercise=True,
        exercise_of=message,
    )
    exercise.networks.set({member.network_id for member in members})
    exercise.exercise_members.set(members)
    exercise = message_publish(message=exercise, published_by=sent_by)
    logger.info(
        "message %s: exercise %s to %s members by %s",
        message.pk,
        exercise.pk,
        len(members),
        sent_by.pk,
    )
    return exercise
