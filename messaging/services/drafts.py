"""Writing messages before they are published."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.selectors import zone_officers
from messaging.models import Message
from outbox.services.notifications import notification_queue

DRAFT_FIELDS = (
    "kind",
    "streets",
    "by_sms",
    "by_email",
    "by_voice",
    "texts",
    "follows",
    "expires_at",
)


@transaction.atomic
def message_draft_save(
    *, created_by, networks, message: Message | None = None, **fields
) -> Message:
    """Create or change a draft message. Published messages are not edited:
    an update is a new message (``update_of``).

    ``expires_at`` (optional) is the validity the writer chose; the form
    checks it (``messaging.selectors.messages.message_validity_problem``),
    publishing checks it again and sets the kind's default when empty."""
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"not a draft field: {sorted(unknown)}")
    if message is None:
        message = Message(created_by=created_by)
    elif message.status != Message.Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed."))
    for name, value in fields.items():
        setattr(message, name, value)
    message.save()
    message.networks.set(networks)
    return message


@transaction.atomic
def message_submit(*, message: Message, submitted_by) -> Message:
    """A coordinator's draft goes to the zone's mandated officers for approval."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    message.status = Message.Status.PENDING_APPROVAL
    message.save(update_fields=["status"])
    url = settings.PUBLIC_BASE_URL + reverse("messaging:detail", args=[message.pk])
    who = submitted_by.get_full_name() or submitted_by.email
    zones = message.networks.values_list("police_zone_id", flat=True)
    for officer in zone_officers(police_zone_ids=zones):
        # In the officer's language, not the language of whoever submitted.
        with translation.override(officer.preferred_language or settings.LANGUAGE_CODE):
            notification_queue(
                kind="message_approval_request",
                channel="email",
                to=officer.email,
                subject=_("A message awaits your approval"),
                body=_("%(who)s asks you to approve a message: %(url)s") % {"who": who, "url": url},
            )
    return message


@transaction.atomic
def message_return(*, message: Message, returned_by, note: str = "") -> Message:
    """The officer sends a coordinator's message back to draft, with a note."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.PENDING_APPROVAL:
        raise ValidationError(_("Only a message awaiting approval can be returned."))
    message.status = Message.Status.DRAFT
    message.save(update_fields=["status"])
    author = message.created_by
    with translation.override(author.preferred_language or settings.LANGUAGE_CODE):
        notification_queue(
            kind="message_returned",
            channel="email",
            to=author.email,
            subject=_("Your message was not approved yet"),
            body=note.strip() or _("The officer returned your message to draft."),
        )
    return message
