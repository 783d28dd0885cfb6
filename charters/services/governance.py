"""Coordinator governance: screening, hand-over to a co-coordinator, removal.

Every decision is logged in ``GovernanceEvent``. Roles change only through
``networks.services.role_grant`` / ``role_revoke``, so their audit trail
(granted/revoked by and when) stays the single source of who held what.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charters.models import GovernanceEvent, ScreeningRecord
from charters.selectors.governance import screening_accepted
from charters.services.charter import charter_signatures_void_for
from networks.models import SCREENED_ROLES, Network, Role, RoleAssignment
from networks.selectors import forget_user_roles
from networks.services import role_grant, role_revoke

__all__ = ["coordinator_remove", "network_hand_over", "screening_record"]

logger = logging.getLogger(__name__)


def _name(user) -> str:
    return user.get_full_name() or user.email


def _active_role(*, network: Network, user, role: str) -> RoleAssignment | None:
    return (
        RoleAssignment.objects.active()
        .select_for_update()
        .filter(network=network, user=user, role=role)
        .first()
    )


@transaction.atomic
def screening_record(
    *,
    network: Network,
    user,
    consent_on: date,
    outcome: str,
    decided_on: date | None,
    recorded_by,
) -> ScreeningRecord:
    """Record (or correct) a coordinator's screening: consent date and outcome.

    Only the zone's mandated officer or an admin; only for someone who holds
    the coordinator or co-coordinator role in the network. Nothing about the
    screening itself is stored. Recording the same consent date again updates
    that record; a new consent date starts a new one (a later re-screening).
    """
    if not recorded_by.has_perm("charters.record_screening", network):
        raise PermissionDenied(_("Only the mandated officer records screenings."))
    if (
        not RoleAssignment.objects.active()
        .filter(network=network, user=user, role__in=SCREENED_ROLES)
        .exists()
    ):
        raise ValidationError(
            {"user": _("Only the network's coordinator and co-coordinators are screened.")}
        )
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if outcome not in ScreeningRecord.Outcome.values:
        errors["outcome"] = _("Choose an outcome.")
    if consent_on > today:
        errors["consent_on"] = _("The consent date cannot be in the future.")
    if outcome == ScreeningRecord.Outcome.PENDING:
        decided_on = None
    elif decided_on is None:
        errors["decided_on"] = _("Give the date of the decision.")
    elif decided_on > today:
        errors["decided_on"] = _("The decision date cannot be in the future.")
    elif decided_on < consent_on:
        errors["decided_on"] = _("The decision cannot come before the consent.")
    if errors:
        raise ValidationError(errors)
    record, created = ScreeningRecord.objects.update_or_create(
        network=network,
        user=user,
        consent_on=consent_on,
        defaults={"outcome": outcome, "decided_on": decided_on, "recorded_by": recorded_by},
    )
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.SCREENING,
        actor=recorded_by,
        subject_user=user,
        # The outcome only: the log is visible to the network's team.
        detail=_("Consent of %(date)s recorded.") % {"date": consent_on.isoformat()}
        if created
        else _("Screening of %(date)s updated.") % {"date": consent_on.isoformat()},
    )
    # The role is effective only while the latest screening is accepted: a
    # refused or pending re-screening suspends it again.
    RoleAssignment.objects.active().filter(
        network=network, user=user, role__in=SCREENED_ROLES
    ).update(awaiting_screening=not screening_accepted(network=network, user=user))
    forget_user_roles(user=user)
    logger.info(
        "screening of user %s in network %s recorded by %s", user.pk, network.pk, recorded_by.pk
    )
    return record


@transaction.atomic
def network_hand_over(
    *,
    network: Network,
    to_user,
    by,
    reason: str = "",
    previous_stays: bool = True,
    accept_unscreened: bool = False,
) -> RoleAssignment:
    """Make an active co-coordinator the network's coordinator.

    In one transaction the successor becomes coordinator (their co-coordinator
    role ends) and the previous coordinator becomes co-coordinator, or leaves
    when ``previous_stays`` is false. Nothing else changes: members, messages,
    meetings, charter versions and signs belong to the network, not to a
    person, so the successor finds everything where it was.

    The circular requires the coordinator's screening. A refused screening
    blocks the hand-over; a missing or pending one needs
    ``accept_unscreened`` (the person handing over confirms they know), and
    the log says so, so the officer can follow up.
    """
    network = Network.objects.select_for_update().get(pk=network.pk)
    if not by.has_perm("charters.hand_over_network", network):
        raise PermissionDenied(_("You may not hand this network over."))
    successor_role = _active_role(network=network, user=to_user, role=Role.CO_COORDINATOR)
    if successor_role is None:
        raise ValidationError(
            {"to_user": _("Only an active co-coordinator of this network can take over.")}
        )
    latest = (
        ScreeningRecord.objects.filter(network=network, user=to_user)
        .order_by("-consent_on", "-pk")
        .first()
    )
    if latest is not None and latest.outcome == ScreeningRecord.Outcome.REFUSED:
        # Worded without the outcome: only the officer sees screening results.
        refused = _("This person cannot take over the network: contact the mandated officer.")
        raise ValidationError({"to_user": refused})
    screened = screening_accepted(network=network, user=to_user)
    if not screened and not accept_unscreened:
        raise ValidationError(
            {
                "accept_unscreened": _(
                    "This person's screening is not accepted yet. Confirm that you hand over "
                    "anyway; the mandated officer records the screening afterwards."
                )
            }
        )
    previous = list(
        RoleAssignment.objects.active()
        .select_for_update()
        .filter(network=network, role=Role.COORDINATOR)
        .exclude(user=to_user)
        .select_related("user")
    )
    # check_permission=False: a coordinator may not grant the coordinator role
    # in general (networks.rules.role_can_grant); here the right to hand over
    # was checked above, and the grant names ``by`` as the granter.
    granted = role_grant(
        granted_by=by,
        user=to_user,
        role=Role.COORDINATOR,
        network=network,
        check_permission=False,
    )
    role_revoke(revoked_by=by, assignment=successor_role)
    for assignment in previous:
        # The coordinator gives up their own role; an officer or admin may revoke it.
        role_revoke(revoked_by=by, assignment=assignment)
        # A charter still being signed needs the new coordinator's signature.
        charter_signatures_void_for(
            network=network,
            user=assignment.user,
            by=by,
            reason=_("The coordinator who signed handed the network over."),
        )
        if previous_stays:
            role_grant(
                granted_by=by,
                user=assignment.user,
                role=Role.CO_COORDINATOR,
                network=network,
                check_permission=False,
            )
    detail = [reason.strip()] if reason.strip() else []
    if previous:
        names = ", ".join(_name(a.user) for a in previous)
        detail.append(
            (_("Previous coordinator %(names)s stays as co-coordinator.") if previous_stays else
             _("Previous coordinator %(names)s left the team.")) % {"names": names}
        )  # fmt: skip
    if not screened:
        # Shown in the log to the whole team: no outcome, only the follow-up.
        detail.append(_("The mandated officer completes the screening."))
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.HANDOVER,
        actor=by,
        subject_user=to_user,
        detail="\n".join(detail),
    )
    logger.info("network %s handed over to user %s by %s", network.pk, to_user.pk, by.pk)
    return granted


@transaction.atomic
def coordinator_remove(
    *, network: Network, user, reason: str, by, successor=None, accept_unscreened: bool = False
) -> list[RoleAssignment]:
    """The officer (or an admin) removes a coordinator or co-coordinator, with a reason.

    With ``successor`` (an active co-coordinator) the network is first handed
    over to them, so it is never left without a coordinator by accident. The
    roles are revoked, not deleted: the role history keeps them.
    """
    network = Network.objects.select_for_update().get(pk=network.pk)
    if not by.has_perm("charters.remove_coordinator", network):
        raise PermissionDenied(_("Only the mandated officer removes a coordinator."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the removal.")})
    if successor is not None:
        if (
            not RoleAssignment.objects.active()
            .filter(network=network, user=user, role=Role.COORDINATOR)
            .exists()
        ):
            raise ValidationError(
                {"successor": _("A successor is chosen only when removing the coordinator.")}
            )
        if successor.pk == user.pk:
            raise ValidationError({"successor": _("Choose someone else as successor.")})
        try:
            network_hand_over(
                network=network,
                to_user=successor,
                by=by,
                reason=_("Before the removal of the coordinator."),
                previous_stays=False,
                accept_unscreened=accept_unscreened,
            )
        except ValidationError as exc:
            errors = exc.message_dict
            raise ValidationError(
                {
                    ("successor" if key == "to_user" else key): messages
                    for key, messages in errors.items()
                }
            ) from exc
    assignments = list(
        RoleAssignment.objects.active()
        .select_for_update()
        .filter(network=network, user=user, role__in=SCREENED_ROLES)
    )
    if not assignments and successor is None:
        raise ValidationError(
            {"user": _("This person is not a coordinator or co-coordinator of the network.")}
        )
    for assignment in assignments:
        role_revoke(revoked_by=by, assignment=assignment)
    charter_signatures_void_for(
        network=network,
        user=user,
        by=by,
        reason=_("The coordinator who signed was removed."),
    )
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.COORDINATOR_REMOVED,
        actor=by,
        subject_user=user,
        detail=reason,
    )
    logger.info("user %s removed from network %s by %s", user.pk, network.pk, by.pk)
    return assignments
