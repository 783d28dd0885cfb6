"""Read-side queries about staff accounts."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from networks.models import Role, RoleAssignment
from networks.selectors import user_roles


def user_requires_mfa(*, user) -> bool:
    """Whether the user's roles demand a second factor (settings.MFA_REQUIRED_ROLES)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = user_roles(user=user)
    # A coordinator awaiting the police screening sets up the second factor
    # now: the role becomes effective the moment the officer records it.
    return bool(roles.role_names & set(settings.MFA_REQUIRED_ROLES)) or bool(
        roles.awaiting_screening_of
    )


def user_has_mfa(*, user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_bin_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._bin_has_mfa = cached
    return cached


def zone_officers(*, police_zone_ids) -> QuerySet[User]:
    """The active mandated officers of these police zones (users, by email)."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__in=RoleAssignment.objects.active().filter(
                role=Role.OFFICER, police_zone_id__in=list(police_zone_ids)
            ),
        )
        .exclude(email="")
        .distinct()
        .order_by("email")
    )


def zone_officer_emails(*, police_zone_ids) -> list[str]:
    """Email addresses of the mandated officers of these police zones."""
    return list(zone_officers(police_zone_ids=police_zone_ids).values_list("email", flat=True))
