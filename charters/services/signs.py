"""The municipality's registry of BIN signs."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charters.models import Sign
from networks.models import Network

__all__ = ["sign_delete", "sign_save"]

logger = logging.getLogger(__name__)


def _check(*, network: Network, by) -> None:
    if not by.has_perm("charters.manage_signs", network):
        raise PermissionDenied(_("Only the municipality keeps the register of BIN signs."))


@transaction.atomic
def sign_save(
    *,
    network: Network,
    by,
    state: str,
    street: str = "",
    house_number: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    placed_on: date | None = None,
    notes: str = "",
    sign: Sign | None = None,
) -> Sign:
    """Add a sign to the register or change one.

    Its location is a street (from the area's list or typed, e.g. a square)
    with the nearest house number, or coordinates, or both.
    """
    _check(network=network, by=by)
    if sign is not None:
        sign = Sign.objects.select_for_update().get(pk=sign.pk, network=network)
    else:
        sign = Sign(network=network)
    errors: dict[str, str] = {}
    street = street.strip()
    if (latitude is None) != (longitude is None):
        errors["latitude" if latitude is None else "longitude"] = _(
            "Give both latitude and longitude, or neither."
        )
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        errors["latitude"] = _("Latitude lies between -90 and 90.")
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        errors["longitude"] = _("Longitude lies between -180 and 180.")
    if not street and latitude is None and longitude is None:
        errors["street"] = _("Give a street or coordinates.")
    if house_number.strip() and not street:
        errors["house_number"] = _("A house number needs a street.")
    if placed_on is not None and placed_on > timezone.localdate():
        errors["placed_on"] = _("The date placed cannot be in the future.")
    if state not in Sign.State.values:
        errors["state"] = _("Choose a state.")
    elif state in (Sign.State.PLACED, Sign.State.DAMAGED) and placed_on is None:
        errors["placed_on"] = _("Give the date the sign was placed.")
    if errors:
        raise ValidationError(errors)
    sign.street = street
    sign.house_number = house_number.strip()
    sign.latitude = latitude
    sign.longitude = longitude
    sign.state = state
    sign.placed_on = placed_on
    sign.notes = notes.strip()
    sign.updated_by = by
    sign.full_clean()
    sign.save()
    logger.info("sign %s of network %s saved by %s", sign.pk, network.pk, by.pk)
    return sign


@transaction.atomic
def sign_delete(*, sign: Sign, by) -> None:
    """Remove a sign entered by mistake. A sign taken down stays, as removed."""
    _check(network=sign.network, by=by)
    logger.info("sign %s of network %s deleted by %s", sign.pk, sign.network_id, by.pk)
    sign.delete()
