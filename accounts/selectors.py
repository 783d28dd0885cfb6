"""Read-side queries about staff accounts."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings

from networks.selectors import user_roles


def user_requires_mfa(*, user) -> bool:
    """Whether the user's roles demand a second factor (settings.MFA_REQUIRED_ROLES)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user=user).role_names & set(settings.MFA_REQUIRED_ROLES))


def user_has_mfa(*, user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_bin_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._bin_has_mfa = cached
    return cached
