"""Writing messages before they are published."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from messaging.models import Message

__all__ = ["message_draft_save"]

DRAFT_FIELDS = ("kind", "streets", "by_sms", "by_email", "by_voice", "texts", "follows")


@transaction.atomic
def message_draft_save(
    *, created_by, networks, message: Message | None = None, **fields
) -> Message:
    """Create or change a draft message. Published messages are not edited:
    an update is a new message (``update_of``)."""
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
