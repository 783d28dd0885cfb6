"""Reads of the feedback loop: urgent alerts named for people, the compose
form's feedback fields filled from an alert, and the alerts whose officers
are due a reminder to write feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from messaging.models import Message
from messaging.selectors.policy import plan_default_channels
from networks.models import Network

# An urgent alert without feedback this long after publishing reminds its officers.
REMINDER_AFTER = timedelta(hours=24)
# Older alerts get no reminder: the day the reminders start, alerts of months
# ago must not flood the officers' mailboxes.
REMINDER_UNTIL = timedelta(days=7)
# Alerts offered in the compose form's feedback list.
FEEDBACK_CHOICES_MAX = 50
LABEL_WORDS = 6


def alert_label(*, message: Message) -> str:
    """An alert as people name it: local date, time and first words, e.g.
    "12/03 02:14 — Verdachte wagen in de Kerkstraat…" (not "#12")."""
    when = message.published_at or message.created_at
    # The reader's language if the alert has it, else its first network's.
    networks = list(message.networks.all())
    fallback = networks[0].default_language if networks else ""
    text = message.text_for((translation.get_language() or "")[:2], fallback)
    words = Truncator(text.get("sms", "")).words(LABEL_WORDS, truncate="…")
    return f"{timezone.localtime(when):%d/%m %H:%M} — {words}"


def feedback_alert_choices(*, networks: QuerySet[Network], include: int | None = None):
    """The published urgent alerts to these networks that feedback may follow,
    newest first (the last ``FEEDBACK_CHOICES_MAX``), plus alert ``include``
    if it is one of them however old (the alert "write feedback" came from)."""
    alerts = Message.objects.filter(
        kind=Message.Kind.URGENT,
        status=Message.Status.PUBLISHED,
        is_exercise=False,
        cancels__isnull=True,
        networks__in=networks,
    )
    recent = list(
        alerts.order_by("-published_at")
        .values_list("pk", flat=True)
        .distinct()[:FEEDBACK_CHOICES_MAX]
    )
    if include is not None and alerts.filter(pk=include).exists():
        recent.append(include)
    return (
        Message.objects.filter(pk__in=recent).prefetch_related("networks").order_by("-published_at")
    )


def feedback_initial(*, alert: Message, networks: QuerySet[Network]) -> dict:
    """The compose form's initial values for feedback on ``alert``: the kind,
    the alert's networks among ``networks`` (those the writer may write for),
    its streets, the link, its channels that the plan allows for feedback,
    and in each of its languages a subject to start from, so the form asks
    for the feedback text in those languages."""
    chosen = list(networks.filter(pk__in=alert.networks.values("pk")))
    initial = {
        "kind": Message.Kind.FEEDBACK,
        "networks": chosen,
        "streets": "\n".join(alert.streets),
        "follows": alert,
    }
    # The channels that reached people with the alert, as far as the plan
    # allows them for feedback (no voice call at night for news that can
    # wait unless the alert called); the plan's defaults if none is left.
    allowed = plan_default_channels(networks=chosen, kind=Message.Kind.FEEDBACK)
    used = {"sms": alert.by_sms, "email": alert.by_email, "voice": alert.by_voice}
    ticked = [c for c in allowed if used[c]] or list(allowed)
    for channel in ("sms", "email", "voice"):
        initial[f"by_{channel}"] = channel in ticked
    for code, text in alert.texts.items():
        about = text.get("subject") or Truncator(text.get("sms", "")).words(LABEL_WORDS, "…")
        with translation.override(code):
            initial[f"subject_{code}"] = _("Feedback: %(alert)s") % {"alert": about}
    return initial


def alerts_due_feedback_reminder(*, now: datetime | None = None) -> QuerySet[Message]:
    """Urgent alerts published between ``REMINDER_AFTER`` and ``REMINDER_UNTIL``
    ago that no feedback follows yet (published or awaiting approval) and
    whose officers were not reminded. Exercises, cancelled alerts, cancel notices
    and updates of an alert (the original is the one to follow up) are left out."""
    now = now or timezone.now()
    feedback = Message.objects.filter(
        follows=OuterRef("pk"),
        kind=Message.Kind.FEEDBACK,
        status__in=[Message.Status.PUBLISHED, Message.Status.PENDING_APPROVAL],
    )
    return (
        Message.objects.filter(
            kind=Message.Kind.URGENT,
            status=Message.Status.PUBLISHED,
            is_exercise=False,
            update_of__isnull=True,
            cancels__isnull=True,
            feedback_reminded_at__isnull=True,
            published_at__lte=now - REMINDER_AFTER,
            published_at__gt=now - REMINDER_UNTIL,
        )
        .filter(~Exists(feedback))
        .order_by("published_at")
    )
