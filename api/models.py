"""API tokens for other systems, and the answers kept for idempotent writes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every token starts with this, so secret scanners and people recognise one.
TOKEN_PREFIX = "bin_"  # noqa: S105  # nosec B105: a public marker, not a secret


def token_hash(raw: str) -> str:
    """The stored form of a token: SHA-256 (the secret has 256 random bits)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        """Not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token a staff user made for one of their systems.

    Only a SHA-256 hash of the secret is stored (the secret has 256 bits of
    randomness, so no slow hash is needed); ``prefix`` is the public part that
    finds the row and lets the owner recognise the token. The token has no
    rights of its own: every request is checked against the owner's roles at
    that moment, narrowed by ``scopes``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The answer to a write sent with an ``Idempotency-Key``: the same key
    and body get the same answer again; the same key with another body is
    refused. Kept for ``API_IDEMPOTENCY_HOURS``."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="one_answer_per_token_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
