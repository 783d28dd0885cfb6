"""Delivery figures per message, kept up to date for the dashboards
(``messaging.services.delivery_figures``; registered through
``messaging.models``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.models import Delivery, Message


class DeliveryFiguresStale(models.Model):
    """A message whose deliveries changed since its figures were computed.

    Written by database triggers on the delivery table (migration
    ``0017_s16b_delivery_figures``), one row per changed message and
    statement, whatever code changed the deliveries; append-only, so
    concurrent sends never wait for each other here. No foreign key: a
    deleted message's deliveries leave a marker the refresh then drops.
    ``messaging.services.delivery_figures`` consumes the markers."""

    id = models.BigAutoField(primary_key=True)
    message_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("delivery figures marker")

    def __str__(self) -> str:
        return f"message {self.message_id} changed"


class MessageDeliveryFigures(models.Model):
    """A message's time to 90 % delivered, as ``reports.selectors.messages.delivery_speed``
    computes it over all its deliveries: ``counted`` deliveries (not cancelled,
    not replaced by a fallback) and ``t90_at``, the ⌈0.9·n⌉-th earliest
    arrival (None: not reached), and ``first_at``, the earliest arrival (for
    the timeline on the message's page)."""

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="delivery_figures"
    )
    counted = models.PositiveIntegerField(default=0)
    t90_at = models.DateTimeField(null=True, blank=True)
    first_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("delivery figures of a message")

    def __str__(self) -> str:
        return f"message {self.message_id}: {self.counted} counted"


class MessageDeliveryCount(models.Model):
    """A message's deliveries to the members of one network through one channel,
    by status group, as ``reports.selectors.messages.delivery_by_channel`` counts them."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=5, choices=Delivery.Channel.choices)
    total = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("delivery count of a message")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "network", "channel"], name="one_count_per_message_network"
            )
        ]

    def __str__(self) -> str:
        return f"message {self.message_id}, network {self.network_id}, {self.channel}"
