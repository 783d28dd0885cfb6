"""Alerts, feedback and prevention tips to networks, their deliveries, the
members' replies and reports, and ready texts.

One person's messages (codes, welcome, notices) are ``outbox.Notification``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """An alert, feedback, prevention tip or information message to one or
    more networks. Publishing it fans it out into one Delivery per member and
    channel; the texts are kept per language."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Urgent alert")
        FEEDBACK = "feedback", _("Feedback")
        PREVENTION = "prevention", _("Prevention tip")
        INFO = "info", _("Information")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Awaiting the officer's approval")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    networks = models.ManyToManyField(
        "networks.Network", related_name="messages", verbose_name=_("networks")
    )
    # Street names to limit the audience to; empty means the whole area.
    streets = models.JSONField(_("only these streets"), default=list, blank=True)
    by_sms = models.BooleanField(_("by SMS"), default=True)
    by_email = models.BooleanField(_("by email"), default=True)
    by_voice = models.BooleanField(_("by voice call"), default=False)
    # {"nl": {"sms": "...", "subject": "...", "body": "..."}, "fr": {...}}
    texts = models.JSONField(_("texts"), default=dict)
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("feedback on"),
    )
    update_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name=_("update of"),
    )
    # A cancel notice ("Cancelled: ...") to those a cancelled message reached.
    cancels = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cancel_notices",
        verbose_name=_("cancel notice of"),
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    fanout_done_at = models.DateTimeField(null=True, blank=True)
    # When every delivery became final (``messaging.services.completion``):
    # the ``message_completed`` signal is sent once, when this is set.
    completed_at = models.DateTimeField(_("all deliveries done at"), null=True, blank=True)
    # CAP's ``expires``: deliveries not handed to a provider by then end
    # ``expired``. Publishing sets the kind's ``DEFAULT_VALIDITY`` if empty.
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    # An exercise ("TEST" in every channel, CAP status Test): rehearsals that
    # must not alarm the neighbourhood or count in the reports.
    is_exercise = models.BooleanField(_("exercise"), default=False)
    # The draft an exercise rehearses (``messaging.services.exercises``), and
    # the members chosen to receive it: an exercise reaches nobody else.
    exercise_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exercises",
        verbose_name=_("exercise of"),
    )
    exercise_members = models.ManyToManyField(
        "members.Member",
        blank=True,
        related_name="+",
        verbose_name=_("exercise recipients"),
    )
    # When the officers were reminded that this urgent alert still has no
    # feedback (``messaging.services.feedback``): set once, so once only.
    feedback_reminded_at = models.DateTimeField(
        _("feedback reminder sent at"), null=True, blank=True
    )

    # Validity after publishing when the writer chose none: an urgent alert
    # is about what happens now; feedback and tips stay useful for a while.
    DEFAULT_VALIDITY = {
        Kind.URGENT: timedelta(hours=4),
        Kind.FEEDBACK: timedelta(days=7),
        Kind.PREVENTION: timedelta(days=30),
        Kind.INFO: timedelta(days=30),
    }
    # The longest validity a writer may choose.
    MAX_VALIDITY = timedelta(days=90)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def valid_until(self) -> datetime | None:
        """When the message stops being valid: ``expires_at``, else publishing
        plus the kind's ``DEFAULT_VALIDITY``; None for a draft without one."""
        if self.expires_at:
            return self.expires_at
        if self.published_at is None:
            return None
        return self.published_at + self.DEFAULT_VALIDITY.get(self.kind, timedelta(days=1))

    @property
    def is_expired(self) -> bool:
        until = self.valid_until()
        return until is not None and until <= timezone.now()

    @property
    def is_urgent(self) -> bool:
        return self.kind == self.Kind.URGENT

    @property
    def summary(self) -> str:
        """The short text in the first language given, for lists."""
        first = next(iter(self.texts.values()), {})
        return first.get("sms", "")

    def text_for(self, language: str, fallback: str) -> dict:
        """The texts in the member's language, else in the network's first language,
        else any language given."""
        for code in (language, fallback):
            if self.texts.get(code):
                return self.texts[code]
        return next(iter(self.texts.values()), {})


class Delivery(models.Model):
    """One message to one member through one channel: the fan-out's outbox row.

    Unique per (message, member, channel), so running the fan-out twice adds
    nothing. A send claims the row (queued → sending) before calling the
    gateway; the status then only moves forward.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        VOICE = "voice", _("Voice call")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # Not handed to a provider before the message's validity ended
        # (``Message.expires_at``): never sent late.
        EXPIRED = "expired", _("Expired")

    # No index of its own: (message, status) and the unique constraint both
    # start with it. Every send updates its row, and each index costs a write.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=2)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Requests the provider refused as too many for the account (HTTP 429):
    # counted apart, so being slowed down never uses up the attempts that
    # real errors (5xx, network) are allowed.
    rate_limited = models.PositiveSmallIntegerField(default=0)
    # Calls dialled again after the line was busy or nobody answered
    # (messaging.services.voice): at most once, then SMS or email instead.
    redials = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    # Quiet hours hold a non-urgent delivery until this moment.
    not_before = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (see Meta): almost every row has none.
    fallback_for = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fallbacks",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the provider confirmed arrival (SMS delivery report, answered call):
    # reports measure the time from publishing to 90 % delivered with it.
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "member", "channel"], name="one_delivery_per_member_channel"
            )
        ]
        indexes = [
            models.Index(fields=["message", "status"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(
                fields=["fallback_for"],
                condition=Q(fallback_for__isnull=False),
                name="delivery_fallback_for_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} (message {self.message_id})"


class Reply(models.Model):
    """A message from a member back to the platform (SMS, email or the
    personal page), part of a Conversation. Keywords (STOP, START, HELP) are
    handled before anything becomes a Reply."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        READ = "read", _("Read")
        ANSWERED = "answered", _("Answered")
        FORWARDED = "forwarded", _("Forwarded")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        VOICE = "voice", _("Voice call")
        # Written on the member's personal page.
        WEB = "web", _("Personal page")

    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    conversation = models.ForeignKey(
        "Conversation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("conversation"),
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    from_address = models.CharField(_("from"), max_length=254)
    body = models.TextField(_("text"))
    provider_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            # Twilio may post the same inbound message twice.
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="reply_provider_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.channel})"


def _report_photo_path(instance, filename: str) -> str:
    # A random name: the file name a member gives may carry personal data.
    return f"reports/{instance.network_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class IncidentReport(models.Model):
    """A non-urgent report (melding) of a suspicious fact or nuisance by a
    member, through their personal link. It goes to the police first (seed
    003: members report "onmiddellijk en rechtstreeks aan de politie"): the
    zone's officers read and triage it; the network's coordinators see its
    category, street and time, and the rest only once an officer shares it
    with them. (Not the dashboards of the reports app.)"""

    class Category(models.TextChoices):
        BURGLARY = "burglary", _("Burglary")
        FRAUD = "fraud", _("Fraud or scam")
        SUSPICIOUS_PERSON = "person", _("Suspicious person")
        SUSPICIOUS_VEHICLE = "vehicle", _("Suspicious vehicle")
        FIRE = "fire", _("Fire")
        DUMPING = "dumping", _("Illegal dumping")
        VANDALISM = "vandalism", _("Vandalism or graffiti")
        ENVIRONMENT = "environment", _("Environment")
        NOISE = "noise", _("Noise")
        OTHER = "other", _("Other")

    # Nuisance (seed 001's "overlast"): the municipality's business as well as
    # the police's, so an officer may share these reports with its staff.
    NUISANCE = frozenset(
        {Category.DUMPING, Category.VANDALISM, Category.ENVIRONMENT, Category.NOISE}
    )

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        FORWARDED = "forwarded", _("Forwarded")
        CLOSED = "closed", _("Closed")

    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.CASCADE,
        related_name="incident_reports",
        verbose_name=_("network"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("reported by"),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    happened_at = models.DateTimeField(_("when"))
    street = models.CharField(_("where (street)"), max_length=120)
    description = models.TextField(_("what happened"))
    person_description = models.TextField(_("description of persons"), blank=True)
    vehicle_description = models.CharField(
        _("description of the vehicle"), max_length=200, blank=True
    )
    plate = models.CharField(_("number plate"), max_length=20, blank=True)
    police_called = models.BooleanField(_("I already called the police"), default=False)
    photo = models.FileField(_("photo (police only)"), upload_to=_report_photo_path, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    feedback = models.TextField(_("feedback to the reporter"), blank=True)
    handled_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    triaged_at = models.DateTimeField(_("first handled at"), null=True, blank=True)
    shared_with_coordinators_at = models.DateTimeField(
        _("shared with the coordinators at"), null=True, blank=True
    )
    shared_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    shared_with_municipality_at = models.DateTimeField(
        _("shared with the municipality at"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member report")
        verbose_name_plural = _("member reports")
        # Reports count a network's member reports per period.
        indexes = [
            models.Index(fields=["network", "created_at"], name="memberreport_network_created")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.created_at:%Y-%m-%d})"


class MessageTemplate(models.Model):
    """A ready text for frequent alerts and prevention tips, per language.

    Platform-wide when ``police_zone`` is empty, else for one zone's officers.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=Message.Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    texts = models.JSONField(_("texts"), default=dict)
    police_zone = models.ForeignKey(
        "networks.PoliceZone",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="message_templates",
        verbose_name=_("police zone"),
    )
    # A zone's own version of a standard template: the zone's officers see it
    # in its place (messaging.selectors.templates.template_library).
    overrides = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="overridden_by",
        verbose_name=_("replaces the standard template"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.title


# The dashboards' per-message delivery figures live in their own module (this
# one stays readable); imported here so that Django registers them with the app.
# Conversations with members live in their own module too.
from messaging.conversation_models import (  # noqa: E402, F401
    Conversation,
    ConversationEvent,
    WatchWordList,
)
from messaging.figures_models import (  # noqa: E402, F401
    DeliveryFiguresStale,
    MessageDeliveryCount,
    MessageDeliveryFigures,
)
