"""Conversations with members: threads, what happened on them and the words
that make a reply urgent (``messaging.services.conversations``; registered
through ``messaging.models``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models import Message, Reply


class Conversation(models.Model):
    """A member's thread with the network's coordinators and the zone's
    officers: the member's replies, the staff's answers and what happened
    (``ConversationEvent``). A member's next message continues their open
    conversation; a closed one stays closed and a new message opens another."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Urgency(models.TextChoices):
        NONE = "", _("Not urgent")
        URGENT_ALERT = "urgent_alert", _("Reply to a recent urgent alert")
        WATCH_WORD = "watch_word", _("Contains a watch word")

    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("network"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("member"),
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("about"),
    )
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, blank=True, default=""
    )
    assigned_to = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    # The automatic answer goes out at most once every few hours per
    # conversation, so two auto-responders never answer each other forever.
    auto_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Forwarded to the municipality's staff (nuisance, seeds 003/004), who
    # then open this conversation only.
    shared_with_municipality_at = models.DateTimeField(
        _("shared with the municipality at"), null=True, blank=True
    )

    class Meta:
        ordering = ["-last_activity_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["network", "status", "last_activity_at"]),
            models.Index(fields=["member", "status"]),
        ]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class ConversationEvent(models.Model):
    """What happened in a conversation besides the member's replies: a staff
    answer (its text stays on the thread), the automatic answer, a forward,
    an assignment, the urgent notice to the police, closing and reopening."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Answer")
        AUTO_ANSWER = "auto_answer", _("Automatic answer")
        FORWARD = "forward", _("Forwarded")
        ASSIGN = "assign", _("Assigned")
        ALERTED = "alerted", _("Police and coordinators notified")
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")

    # The detail of a forward to the municipality's staff (else an email address).
    TO_MUNICIPALITY = "municipality"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # None: the platform itself (automatic answer, urgent notice).
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    text = models.TextField(_("text"), blank=True)
    # The channel an answer went out on, the address a forward went to, the
    # name of the person assigned.
    detail = models.CharField(_("detail"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")

    def __str__(self) -> str:
        return f"{self.kind} in conversation {self.conversation_id}"

    @property
    def detail_display(self) -> str:
        """The detail for people: an answer's channel by its name."""
        if self.kind in (self.Kind.ANSWER, self.Kind.AUTO_ANSWER):
            return str(dict(Reply.Channel.choices).get(self.detail, self.detail))
        if self.kind == self.Kind.FORWARD and self.detail == self.TO_MUNICIPALITY:
            return str(_("the municipality's staff"))
        return self.detail


class WatchWordList(models.Model):
    """Words that make a member's reply urgent, for one police zone and one
    language, one word or phrase per line. A zone without a list for a
    language uses the platform's (``messaging.selectors.conversations.DEFAULT_WATCH_WORDS``)."""

    police_zone = models.ForeignKey(
        "networks.PoliceZone",
        on_delete=models.CASCADE,
        related_name="watch_word_lists",
        verbose_name=_("police zone"),
    )
    language = models.CharField(_("language"), max_length=2)
    words = models.TextField(_("words"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["police_zone", "language"]
        verbose_name = _("watch word list")
        verbose_name_plural = _("watch word lists")
        constraints = [
            models.UniqueConstraint(
                fields=["police_zone", "language"], name="one_watch_list_per_zone_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.police_zone} ({self.language})"

    @property
    def word_list(self) -> list[str]:
        return [w.strip() for w in self.words.splitlines() if w.strip()]
