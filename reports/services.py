"""Writes of the reports app: the municipality's household counts per street."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from networks.models import Network, Street

logger = logging.getLogger(__name__)


@transaction.atomic
def street_household_counts_update(
    *, network: Network, counts: dict[int, int | None], changed_by
) -> int:
    """Store the number of households (or businesses) per street stretch of
    ``network``, as entered by the municipality; None clears a count.

    Only the municipality's staff and admins may. Streets of other networks
    are refused. Returns how many stretches changed.
    """
    if not changed_by.has_perm("reports.change_household_counts", network):
        raise PermissionDenied
    streets = {s.pk: s for s in Street.objects.select_for_update().filter(network=network)}
    unknown = set(counts) - set(streets)
    if unknown:
        raise ValidationError(_("A street does not belong to this network."))
    changed = []
    for pk, value in counts.items():
        if value is not None and value < 0:
            raise ValidationError({"household_count": _("Enter zero or more households.")})
        street = streets[pk]
        if street.household_count != value:
            street.household_count = value
            changed.append(street)
    Street.objects.bulk_update(changed, ["household_count"])
    if changed:
        logger.info(
            "household counts of %s street(s) in network %s changed by user %s",
            len(changed), network.pk, changed_by.pk,
        )  # fmt: skip
    return len(changed)
