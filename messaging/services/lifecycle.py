"""A message's life after writing: publishing it, updating and cancelling it.

Publishing stores the message and queues the fan-out after commit
(``messaging.services.fanout``); writing and approval are in
``messaging.services.drafts``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.models import Delivery, Message
from messaging.selectors.policy import message_plan_problems
from messaging.services.completion import message_completion_check
from messaging.services.fanout import message_fanout_queue
from messaging.services.notices import message_cancel_notice, message_update_texts
from messaging.signals import message_cancelled, message_published

logger = logging.getLogger(__name__)


@transaction.atomic
def message_update_draft(*, original: Message, created_by) -> Message:
    """A draft update of a published message, its texts starting with
    "Update from BIN …:" and the original's words for the officer to correct
    (``messaging.services.notices.message_update_texts``); once published it
    reaches the people the original reached, on the channels that reached
    them (``messaging.selectors.recipients``)."""
    original = Message.objects.get(pk=original.pk)
    if original.status != Message.Status.PUBLISHED or original.cancels_id is not None:
        raise ValidationError(_("Only a published message can be updated."))
    update = Message.objects.create(
        kind=original.kind,
        streets=original.streets,
        by_sms=original.by_sms,
        by_email=original.by_email,
        by_voice=original.by_voice,
        texts=message_update_texts(original=original),
        follows=original.follows,
        update_of=original,
        created_by=created_by,
        # An update of an exercise is part of the exercise: marked TEST too.
        is_exercise=original.is_exercise,
        exercise_of=original.exercise_of,
    )
    update.networks.set(original.networks.all())
    return update


@transaction.atomic
def message_cancel(*, message: Message, cancelled_by) -> int:
    """Cancel a published message: what has not gone out yet never will, and
    the people it already reached get a short cancel notice in their
    language on the channels that reached them
    (``messaging.services.notices.message_cancel_notice``).

    Returns how many deliveries were stopped. A draft or a message awaiting
    approval may be withdrawn this way by the platform (a meeting's
    invitation, ``charters.services.meetings``); on the staff pages a draft
    is deleted instead (``message_draft_delete``).
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status == Message.Status.CANCELLED:
        return 0
    message.status = Message.Status.CANCELLED
    message.cancelled_at = timezone.now()
    message.save(update_fields=["status", "cancelled_at"])
    stopped = message.deliveries.filter(status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.CANCELLED
    )
    logger.info(
        "message %s cancelled by %s; %s deliveries stopped", message.pk, cancelled_by.pk, stopped
    )
    message_cancel_notice(original=message, cancelled_by=cancelled_by)
    message_cancelled.send(sender=Message, message=message)
    # What was left is stopped: the deliveries may all be final now.
    message_completion_check(message_id=message.pk)
    return stopped


@transaction.atomic
def message_draft_delete(*, message: Message, deleted_by) -> None:
    """Delete a draft (nothing of it went out): cancelling a draft is deleting it.

    Published and cancelled messages stay (their deliveries and replies are
    the record); a message awaiting approval goes back to draft first.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.DRAFT:
        raise ValidationError(_("Only a draft can be deleted."))
    logger.info("draft message %s deleted by %s", message.pk, deleted_by.pk)
    message.delete()


@transaction.atomic
def message_publish(*, message: Message, published_by, check_plan: bool = True) -> Message:
    """Publish a draft (or approved) message; the fan-out starts after commit.

    Its validity is the one the writer chose (refused once passed), else the
    kind's ``Message.DEFAULT_VALIDITY`` from now: deliveries not handed to a
    provider by then end ``expired``.

    The channels must be ones the networks' communication plans allow for the
    kind (``messaging.selectors.policy.message_plan_problems``). ``check_plan=False``
    is for the platform's own notices about the charter itself (new house
    rules), which are not messages of the plan.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in (Message.Status.DRAFT, Message.Status.PENDING_APPROVAL):
        raise ValidationError(_("Only a draft can be published."))
    if not message.texts or not any(message.texts.values()):
        raise ValidationError({"texts": _("Write the text of the message.")})
    if not message.networks.exists():
        raise ValidationError({"networks": _("Choose at least one network.")})
    if not (message.by_sms or message.by_email or message.by_voice):
        raise ValidationError({"by_sms": _("Choose at least one channel.")})
    if check_plan:
        problems = message_plan_problems(message=message)
        if problems:
            raise ValidationError(problems)
    now = timezone.now()
    if message.expires_at is not None and message.expires_at <= now:
        # Written as a draft, its chosen validity passed before publishing.
        raise ValidationError(
            {"expires_at": _("Its validity has passed: choose a later moment before publishing.")}
        )
    message.status = Message.Status.PUBLISHED
    message.published_at = now
    if message.expires_at is None:
        message.expires_at = now + Message.DEFAULT_VALIDITY[message.kind]
    if message.approved_by_id is None:
        message.approved_by = published_by
    message.save(update_fields=["status", "published_at", "approved_by", "expires_at"])
    transaction.on_commit(lambda: message_fanout_queue(message))
    logger.info("message %s (%s) published by %s", message.pk, message.kind, published_by.pk)
    message_published.send(sender=Message, message=message)
    return message
