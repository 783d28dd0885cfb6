"""A member's mailbox reporting our email as spam (an ESP's complaint
event): email to the member stops, as STOP does for SMS."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from members.models import AuditEntry, ConsentRecord, Member
from members.services.core import audit_log

logger = logging.getLogger(__name__)


@transaction.atomic
def member_email_complaint(*, member: Member) -> Member:
    """Email off for a member who marked our email as spam.

    The provider stops delivering to the address after a complaint anyway
    (its suppression list), so keeping ``by_email`` on would only fail
    silently. Open email consents are withdrawn (the records stay); the time
    is kept in ``email_complained_at`` so coordinators see why email is off
    (members with communication problems) and can ask the member. Switching
    email on again on the personal page clears it.
    """
    member = Member.objects.select_for_update().select_related("network").get(pk=member.pk)
    now = timezone.now()
    ConsentRecord.objects.filter(
        member=member, subject=ConsentRecord.Subject.EMAIL, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)
    if not member.by_email and member.email_complained_at:
        return member
    member.by_email, member.email_complained_at = False, now
    member.save(update_fields=["by_email", "email_complained_at", "updated_at"])
    audit_log(
        actor=None, action=AuditEntry.Action.CHANGE_MEMBER, network=member.network,
        member=member, detail={"fields": ["by_email"], "by": "email_complaint"},
    )  # fmt: skip
    logger.info("email off for member %s after a spam complaint", member.pk)
    return member
