"""Staff accounts (coordinators, officers, municipal staff, ...) and invitations.

Members are not users: they have no login (see ``members.models.Member``).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from networks.models import Municipality, Network, PoliceZone, Role, role_scope_q


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A staff account, identified by email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=settings.LANGUAGES, default="nl"
    )
    # Urgent replies of members (to a recent urgent alert, or with a watch
    # word) reach officers and coordinators by email, and by SMS if they ask.
    mobile_phone = PhoneNumberField(_("mobile phone"), blank=True)
    urgent_replies_by_sms = models.BooleanField(
        _("urgent replies of members also by SMS"), default=False
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


def hash_token(token: str) -> str:
    """Invitation tokens are stored hashed: a database leak gives no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffInvitationQuerySet(models.QuerySet):
    def open(self) -> StaffInvitationQuerySet:
        """Invitations whose link works (or will, once sent)."""
        return self.filter(
            status__in=[StaffInvitation.Status.QUEUED, StaffInvitation.Status.SENT],
            expires_at__gt=timezone.now(),
        )

    def withdrawable(self) -> StaffInvitationQuerySet:
        """Not yet accepted or withdrawn; a failed one is still retried by the sweep."""
        return self.filter(status__in=StaffInvitation.WITHDRAWABLE)


class StaffInvitation(models.Model):
    """An invitation to take a role. Staff accounts exist only through these.

    It is also the outbox row for the invitation email: the send task moves it
    from ``queued`` to ``sent`` (or ``failed``), so a crash loses nothing and a
    retry never sends twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Sending failed")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    WITHDRAWABLE = (Status.QUEUED, Status.SENT, Status.FAILED)

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("network")
    )
    police_zone = models.ForeignKey(
        PoliceZone, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("police zone")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("municipality"),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="nl"
    )
    # Set when the email is sent; only the hash is kept.
    # NULL, not "", before the first send: the column is unique.
    token_hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(condition=role_scope_q(), name="invitation_scope_matches_role"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.get_role_display()}"

    @property
    def scope(self) -> Network | PoliceZone | Municipality | None:
        return self.network or self.police_zone or self.municipality

    @property
    def can_be_withdrawn(self) -> bool:
        return self.status in self.WITHDRAWABLE

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
