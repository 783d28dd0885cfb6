"""Write-side operations on members."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import ConsentRecord, Member
from networks.models import Network
from networks.selectors import address_in_area

logger = logging.getLogger(__name__)


@transaction.atomic
def member_create(
    *,
    network: Network,
    first_name: str,
    last_name: str,
    street: str,
    house_number: str,
    postcode: str,
    email: str = "",
    mobile_phone: str = "",
    landline: str = "",
    language: str = "",
    by_sms: bool = True,
    by_email: bool = True,
    by_voice: bool = False,
    status: str = Member.Status.PENDING,
    consents: list[tuple[str, str, str]] | None = None,
    recorded_by=None,
) -> Member:
    """Create a member after checking the address lies inside the network's area.

    ``consents`` is a list of (subject, version, method) given now. Raises
    ValidationError keyed by field name, so a form can show each problem next
    to its field; nothing is stored then.
    """
    errors = address_in_area(
        network=network, street=street, house_number=house_number, postcode=postcode
    )
    if errors:
        raise ValidationError(errors)
    # Use the street's canonical spelling from the area list.
    canonical = network.streets.filter(name__iexact=street.strip()).values_list("name", flat=True)
    member = Member(
        network=network,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        street=canonical[0] if canonical else street.strip(),
        house_number=house_number.strip(),
        postcode=postcode.strip().upper(),
        email=email.strip().lower(),
        mobile_phone=mobile_phone,
        landline=landline,
        language=language or network.default_language,
        by_sms=by_sms,
        by_email=by_email,
        by_voice=by_voice,
        status=status,
        approved_at=timezone.now() if status == Member.Status.ACTIVE else None,
    )
    member.full_clean(validate_constraints=True)
    member.save()
    now = timezone.now()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            member=member,
            subject=subject,
            version=version,
            method=method,
            given_at=now,
            recorded_by=recorded_by,
        )
        for subject, version, method in consents or []
    )
    logger.info("member %s created in network %s", member.pk, network.pk)
    return member
