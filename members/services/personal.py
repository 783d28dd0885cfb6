"""What a member does through their personal link: preferences and new links.

Leaving goes through ``core.member_erase`` (actor None, reason "left").
"""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    CHANNEL_CONSENT_VERSION,
    DEAF_VOICE_ERROR,
    AuditEntry,
    ConsentRecord,
    Language,
    Member,
)
from members.services.core import audit_log, member_message_send
from members.tokens import member_personal_url

__all__ = [
    "PAUSE_MAX_DAYS",
    "member_link_renew",
    "member_preferences_update",
]

logger = logging.getLogger(__name__)

PAUSE_MAX_DAYS = 365

# Channel flag on Member → consent subject.
_CHANNEL_SUBJECTS = (
    ("by_sms", ConsentRecord.Subject.SMS),
    ("by_email", ConsentRecord.Subject.EMAIL),
    ("by_voice", ConsentRecord.Subject.VOICE),
)


def _preference_errors(
    *,
    member: Member,
    language: str,
    by_sms: bool,
    by_email: bool,
    by_voice: bool,
    deaf: bool,
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
    paused_until: date | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if language not in Language.values:
        add("language", _("Choose one of the languages offered."))

    if by_sms and not member.mobile_phone:
        add(
            "by_sms",
            _("We have no mobile number for you. Add one under your contact details first."),
        )
    if by_voice and not (member.landline or member.mobile_phone):
        add(
            "by_voice",
            _("We have no phone number for you. Add one under your contact details first."),
        )
    if by_email and not member.email:
        add(
            "by_email",
            _("We have no email address for you. Add one under your contact details first."),
        )
    if by_voice and deaf:
        add("by_voice", DEAF_VOICE_ERROR)
    if not (by_sms or by_email or by_voice):
        # Shown on the first channel this member could actually choose.
        usable = [
            field
            for field, ok in (
                ("by_sms", bool(member.mobile_phone)),
                ("by_email", bool(member.email)),
                ("by_voice", bool(member.landline or member.mobile_phone)),
            )
            if ok
        ]
        add(
            usable[0] if usable else "by_email",
            _("Choose at least one way to receive messages, or leave the network below."),
        )

    if (quiet_hours_start is None) != (quiet_hours_end is None):
        missing = "quiet_hours_end" if quiet_hours_end is None else "quiet_hours_start"
        add(missing, _("Give both the start and the end of your quiet hours, or neither."))
    elif quiet_hours_start is not None and quiet_hours_start == quiet_hours_end:
        add("quiet_hours_end", _("Quiet hours must end at another time than they start."))

    if paused_until is not None:
        today = timezone.localdate()
        if paused_until < today:
            add("paused_until", _("Choose today or a later date."))
        elif paused_until > today + timedelta(days=PAUSE_MAX_DAYS):
            add("paused_until", _("You can pause non-urgent messages for at most one year."))
    return errors


@transaction.atomic
def member_preferences_update(
    *,
    member: Member,
    language: str,
    by_sms: bool,
    by_email: bool,
    by_voice: bool,
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
    paused_until: date | None,
    deaf: bool | None = None,
) -> Member:
    """Save what a member chose on their personal page.

    Raises ValidationError keyed by field name; nothing is stored then.
    Switching a channel on records a consent (method self service);
    switching it off withdraws the latest consent for that channel.
    Quiet hours may wrap past midnight (22:00 to 07:00). ``deaf`` (deaf or
    hard of hearing: never called; None keeps it) refuses voice calls.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    values = {
        "language": language,
        "by_sms": bool(by_sms),
        "by_email": bool(by_email),
        "by_voice": bool(by_voice),
        "deaf": member.deaf if deaf is None else bool(deaf),
        "quiet_hours_start": quiet_hours_start,
        "quiet_hours_end": quiet_hours_end,
        "paused_until": paused_until,
    }
    errors = _preference_errors(member=member, **values)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    for field, subject in _CHANNEL_SUBJECTS:
        before, after = getattr(member, field), values[field]
        if after and not before:
            ConsentRecord.objects.create(
                member=member,
                subject=subject,
                version=CHANNEL_CONSENT_VERSION,
                given_at=now,
                method=ConsentRecord.Method.PERSONAL_PAGE,
            )
        elif before and not after:
            latest = member.consents.filter(subject=subject).order_by("-given_at", "-pk").first()
            if latest is not None and latest.withdrawn_at is None:
                # The record itself stays as proof of what was consented to.
                ConsentRecord.objects.filter(pk=latest.pk).update(withdrawn_at=now)

    changed = sorted(name for name, value in values.items() if getattr(member, name) != value)
    if not changed:
        return member
    for name, value in values.items():
        setattr(member, name, value)
    # A channel switched back on ends the STOP or spam complaint that switched it off.
    marks = [
        mark
        for channel, mark in (("by_sms", "sms_opted_out_at"), ("by_email", "email_complained_at"))
        if channel in changed and values[channel] and getattr(member, mark)
    ]
    for mark in marks:
        setattr(member, mark, None)
    member.save(update_fields=[*changed, *marks, "updated_at"])
    audit_log(
        actor=None,
        action=AuditEntry.Action.CHANGE_MEMBER,
        network=member.network,
        member=member,
        detail={"fields": changed, "by": "member"},
    )
    return member


@transaction.atomic
def member_link_renew(*, member: Member) -> Member:
    """Revoke every personal link given out so far and send the member a fresh one.

    The link goes by email, or by SMS when there is no email address. A
    member with neither keeps their current link (ValidationError), since
    revoking it would lock them out.
    """
    if not (member.email or member.mobile_phone):
        raise ValidationError(_("We cannot send you a new link: ask your coordinator for one."))
    Member.objects.filter(pk=member.pk).update(token_version=F("token_version") + 1)
    member.refresh_from_db(fields=["token_version"])
    member_message_send(
        member=member,
        kind="self_service_new_link",
        sensitive=True,
        template="members/messages/new_link",
        context={"url": member_personal_url(member=member)},
    )
    logger.info("member %s asked for a new personal link", member.pk)
    return member
