"""Creating, using and revoking API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import user_has_mfa
from api.models import TOKEN_PREFIX, ApiToken, token_hash
from api.scopes import OFFICER_SCOPES, POLICE_SCOPES, Scope
from networks.selectors import user_roles

# last_used_at is written at most this often per token: a busy dispatch system
# must not turn every read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def api_token_scopes_for(*, user) -> list[str]:
    """The scopes a user may give a token: the officer-only ones to officers,
    members' reports to officers and admins."""
    roles = user_roles(user=user)
    police = bool(roles.officer_of_zones)

    def offered(scope: str) -> bool:
        if scope in OFFICER_SCOPES:
            return police
        if scope in POLICE_SCOPES:
            return police or roles.is_admin
        return True

    return [s for s in Scope.values if offered(s)]


@transaction.atomic
def api_token_create(
    *, user, name: str, scopes: list[str], expires_at: datetime
) -> tuple[ApiToken, str]:
    """Make a token for ``user`` (who must have a second factor and a role).

    Returns the row and the clear token, which is shown once and never stored.
    """
    if not user.is_authenticated or not user_has_mfa(user=user):
        raise PermissionDenied(_("Set up two-factor authentication before creating API tokens."))
    if not user_roles(user=user).any:
        raise PermissionDenied(_("Only staff with a role can create API tokens."))
    allowed = set(api_token_scopes_for(user=user))
    chosen = [s for s in Scope.values if s in set(scopes)]
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    if set(scopes) - allowed:
        raise ValidationError({"scopes": _("Your roles do not allow one of these scopes.")})
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("Choose a date in the future.")})
    if expires_at > now + timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise ValidationError(
            {
                "expires_at": _("A token is valid for at most %(days)s days.")
                % {"days": settings.API_TOKEN_MAX_DAYS}
            }
        )
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        secret_hash=token_hash(raw),
        scopes=chosen,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, revoked_by) -> ApiToken:
    """Revoke a token at once; its owner (or an admin) does it."""
    if token.user_id != revoked_by.pk and not user_roles(user=revoked_by).is_admin:
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used (at most once per ``TOUCH_INTERVAL``)."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
