"""Write-side operations on networks and roles."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from networks.hooks import screening_accepted
from networks.models import (
    MUNICIPALITY_ROLES,
    NATIONAL_ROLES,
    NETWORK_ROLES,
    SCREENED_ROLES,
    ZONE_ROLES,
    Municipality,
    Network,
    PoliceZone,
    Role,
    RoleAssignment,
)
from networks.rules import role_can_grant, role_can_grant_same
from networks.selectors import forget_user_roles, user_roles

logger = logging.getLogger(__name__)


def role_scope_validate(
    *,
    role: str,
    network: Network | None = None,
    police_zone: PoliceZone | None = None,
    municipality: Municipality | None = None,
) -> None:
    """Raise ValidationError unless the role is given with exactly its scope."""
    given = {
        "network": network is not None,
        "police_zone": police_zone is not None,
        "municipality": municipality is not None,
    }
    if role in NETWORK_ROLES:
        needed = "network"
    elif role in ZONE_ROLES:
        needed = "police_zone"
    elif role in MUNICIPALITY_ROLES:
        needed = "municipality"
    elif role in NATIONAL_ROLES:
        needed = None
    else:
        raise ValidationError({"role": _("Unknown role.")})
    if needed and not given[needed]:
        messages = {
            "network": _("Choose the network for this role."),
            "police_zone": _("Choose the police zone for this role."),
            "municipality": _("Choose the municipality for this role."),
        }
        raise ValidationError({needed: messages[needed]})
    extra = [name for name, present in given.items() if present and name != needed]
    if extra:
        raise ValidationError({extra[0]: _("This role does not take this scope.")})


def _screened(*, network: Network, user) -> bool:
    """Whether the person's screening for this network is settled: an
    accepted screening on record, or a screened role already effective here
    (a co-coordinator who takes over as coordinator is not screened twice)."""
    effective = RoleAssignment.objects.effective().filter(
        network=network, user=user, role__in=SCREENED_ROLES
    )
    return effective.exists() or screening_accepted(network=network, user=user)


@transaction.atomic
def role_grant(
    *,
    granted_by,
    user,
    role: str,
    network: Network | None = None,
    police_zone: PoliceZone | None = None,
    municipality: Municipality | None = None,
    check_permission: bool = True,
) -> RoleAssignment:
    """Give ``user`` a role in a scope, on behalf of ``granted_by``.

    Roles are never self-assigned and only granted by someone entitled to (see
    ``networks.rules.role_can_grant``). ``check_permission=False`` is for the
    platform's own bootstrap (``createsuperuser``-style commands and demo data),
    never for a request. Granting a role already held returns the existing row.
    """
    role_scope_validate(
        role=role, network=network, police_zone=police_zone, municipality=municipality
    )
    if check_permission:
        if granted_by is None or granted_by.pk == user.pk:
            raise PermissionDenied(_("Nobody can grant a role to themselves."))
        if not role_can_grant(
            granter=granted_by,
            role=role,
            network=network,
            police_zone=police_zone,
            municipality=municipality,
        ):
            raise PermissionDenied(_("You may not grant this role here."))
    existing = (
        RoleAssignment.objects.active()
        .filter(
            user=user,
            role=role,
            network=network,
            police_zone=police_zone,
            municipality=municipality,
        )
        .first()
    )
    if existing:
        return existing
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                network=network,
                police_zone=police_zone,
                municipality=municipality,
                granted_by=granted_by,
                awaiting_screening=(
                    role in SCREENED_ROLES and not _screened(network=network, user=user)
                ),
            )
    except IntegrityError:
        # A concurrent grant of the same role won the race; theirs stands.
        return RoleAssignment.objects.active().get(
            user=user,
            role=role,
            network=network,
            police_zone=police_zone,
            municipality=municipality,
        )
    if role == Role.ADMIN:
        # The Django admin (zones, municipalities, networks) follows the role.
        type(user).objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        user.is_staff = user.is_superuser = True
    forget_user_roles(user=user)
    logger.info(
        "role granted: %s to user %s in %s by %s",
        role,
        user.pk,
        assignment.scope or "platform",
        getattr(granted_by, "pk", None),
    )
    return assignment


@transaction.atomic
def role_revoke(*, revoked_by, assignment: RoleAssignment) -> RoleAssignment:
    """End a role. The row stays (with who and when) for the audit trail.

    The same people who may grant a role may revoke it; a user may also give
    up a role of their own.
    """
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        return assignment
    own = revoked_by.pk == assignment.user_id
    if not own and not role_can_grant_same(granter=revoked_by, grant=assignment):
        raise PermissionDenied(_("You may not revoke this role."))
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = revoked_by
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    if assignment.role == Role.ADMIN:
        user = assignment.user
        type(user).objects.filter(pk=user.pk).update(is_staff=False, is_superuser=False)
        user.is_staff = user.is_superuser = False
    forget_user_roles(user=assignment.user)
    logger.info(
        "role revoked: %s of user %s by %s", assignment.role, assignment.user_id, revoked_by.pk
    )
    return assignment


@transaction.atomic
def network_update(*, network: Network, changed_by, **fields) -> Network:
    """Change a network's public description, area and languages.

    The lifecycle status and the founding date are left to admins and officers.
    """
    for name, value in fields.items():
        setattr(network, name, value)
    network.full_clean()
    network.save()
    logger.info("network %s updated by %s: %s", network.pk, changed_by.pk, sorted(fields))
    return network


def _free_slug(name: str) -> str:
    base = slugify(name)[:70] or "bin"
    slug, n = base, 1
    while Network.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def network_propose(
    *,
    proposed_by,
    name: str,
    municipality: Municipality,
    kind: str = Network.Kind.BIN,
    languages: list[str] | None = None,
    public_description: str = "",
) -> Network:
    """Create a network with the status proposed, in ``municipality``.

    Only an admin or a mandated officer of the municipality's police zone
    proposes a network: founding starts with the police (the circular). The
    slug is derived from the name and made unique; the country and zone are
    the municipality's.
    """
    zone = municipality.police_zone
    roles = user_roles(user=proposed_by)
    if not (roles.is_admin or zone.pk in roles.officer_of_zones):
        raise PermissionDenied(_("Only the zone's mandated officers propose a network here."))
    network = Network(
        name=name.strip(),
        slug=_free_slug(name),
        kind=kind,
        country=zone.country,
        municipality=municipality,
        police_zone=zone,
        status=Network.Status.PROPOSED,
        languages=languages or (["nl"] if zone.country == "NL" else ["nl", "fr"]),
        public_description=public_description.strip(),
    )
    network.full_clean()
    network.save()
    logger.info("network %s proposed by %s", network.pk, proposed_by.pk)
    return network
