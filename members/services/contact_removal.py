"""Members remove their email address or mobile number on the personal page
(the other contact changes: ``members.services.contact_changes``). Stopping
the use of an address needs no proof; the channel it carried stops with it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import ConsentRecord, ContactChange, Member
from members.services.contact_changes import _audit, _close_open, _limit_check

__all__ = ["contact_remove"]

# Removed field → channel flags that can no longer work, with their consents.
_CHANNELS_LOST = {
    ContactChange.Field.EMAIL: (("by_email", ConsentRecord.Subject.EMAIL),),
    ContactChange.Field.MOBILE: (("by_sms", ConsentRecord.Subject.SMS),),
}


@transaction.atomic
def contact_remove(*, member: Member, field: str) -> ContactChange:
    """Remove the member's email address or mobile number at once (no proof
    needed to stop using an address). Its channel is switched off and its
    consent withdrawn; voice calls stop too when no phone is left. Refused
    when it is the only way to reach the member or their only channel."""
    if field not in _CHANNELS_LOST:
        raise ValidationError(_("Choose what you want to change."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not getattr(member, field):
        raise ValidationError({field: [_("There is nothing to remove.")]})
    others = [f for f in ("email", "mobile_phone", "landline") if f != field and getattr(member, f)]
    if not others:
        raise ValidationError(
            {field: [_("This is the only way we can reach you: it cannot be removed.")]}
        )
    lost = [flag for flag, _subject in _CHANNELS_LOST[field]]
    if field == ContactChange.Field.MOBILE and not member.landline:
        lost.append("by_voice")
    if not any(
        getattr(member, flag) for flag in ("by_sms", "by_email", "by_voice") if flag not in lost
    ):
        raise ValidationError(
            {field: [_("Without it you would receive no messages. Choose another way to "
                       "receive them in your preferences first, or leave the network.")]}
        )  # fmt: skip
    _limit_check(member=member)
    _close_open(member=member, field=field)
    now = timezone.now()
    subjects = dict([*_CHANNELS_LOST[field], ("by_voice", ConsentRecord.Subject.VOICE)])
    for flag in lost:
        if getattr(member, flag):
            latest = (
                member.consents.filter(subject=subjects[flag]).order_by("-given_at", "-pk").first()
            )
            if latest is not None and latest.withdrawn_at is None:
                ConsentRecord.objects.filter(pk=latest.pk).update(withdrawn_at=now)
        setattr(member, flag, False)
    setattr(member, field, "")
    verified = "email_verified_at" if field == ContactChange.Field.EMAIL else "phone_verified_at"
    setattr(member, verified, None)
    member.save(update_fields=[field, verified, *lost, "updated_at"])
    change = ContactChange.objects.create(
        member=member, field=field, status=ContactChange.Status.APPLIED, finished_at=now
    )
    _audit(change=change, step="removed")
    return change
