"""Reads of the outbox."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from outbox.models import Notification


def notifications_about(*, obj: models.Model) -> QuerySet[Notification]:
    """The messages queued ``about=obj`` (a member's codes, welcome, notices)."""
    return Notification.objects.filter(
        about_type=ContentType.objects.get_for_model(obj),
        about_id=obj.pk,
    )
