"""Reading API tokens."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from api.models import TOKEN_PREFIX, ApiToken, token_hash


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_for_secret(*, raw: str) -> ApiToken | None:
    """The usable token with this clear text, with its owner, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.usable().select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, token_hash(raw)):
        return None
    if not token.user.is_active:
        return None
    return token
