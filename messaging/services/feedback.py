"""The feedback loop's reminder: an urgent alert still without feedback a day
after it was published reminds its officers, once.

Members who got an alert at night want to know what came of it (the seeds'
"feedbackbericht"); the reminder goes to whoever published the alert and to
the mandated officers of the zones it went to, by email through the outbox,
each in their own language, with a link that opens the compose form filled
in for the feedback.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.selectors import zone_officers
from messaging.models import Message
from messaging.selectors.feedback import alert_label, alerts_due_feedback_reminder
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)

REMINDER_BATCH = 200


def feedback_reminders_send(*, now: datetime | None = None) -> list[int]:
    """Remind the officers of every urgent alert published 24 hours ago or
    more that no feedback follows yet (``alerts_due_feedback_reminder``).

    Each alert's row is locked and checked again, and ``feedback_reminded_at``
    is set in the same transaction as the emails are queued, so two runs at
    once remind once. Returns the ids of the alerts reminded about. Run by
    Celery beat (``feedback_reminders_task``).
    """
    now = now or timezone.now()
    reminded = []
    due = alerts_due_feedback_reminder(now=now)
    for pk in list(due.values_list("pk", flat=True)[:REMINDER_BATCH]):
        with transaction.atomic():
            alert = (
                due.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk)
                .select_related("approved_by", "created_by")
                .first()
            )
            if alert is None:
                continue  # feedback came meanwhile, or another run has it
            alert.feedback_reminded_at = now
            alert.save(update_fields=["feedback_reminded_at"])
            people = feedback_reminder_people(alert=alert)
            for user in people:
                _remind(alert=alert, user=user)
            logger.info("feedback reminder for alert %s sent to %s people", pk, len(people))
            reminded.append(pk)
    return reminded


def feedback_reminder_people(*, alert: Message) -> list:
    """Who is reminded: whoever published the alert (its approver) and the
    active mandated officers of the zones of its networks, each once."""
    zones = alert.networks.values_list("police_zone_id", flat=True)
    people = {user.pk: user for user in zone_officers(police_zone_ids=zones)}
    publisher = alert.approved_by or alert.created_by
    if publisher is not None and publisher.is_active and publisher.email:
        people.setdefault(publisher.pk, publisher)
    return sorted(people.values(), key=lambda user: user.email)


def _remind(*, alert: Message, user) -> None:
    url = (
        settings.PUBLIC_BASE_URL + reverse("messaging:new") + "?" + urlencode({"follows": alert.pk})
    )
    networks = list(alert.networks.all())
    language = user.preferred_language or settings.LANGUAGE_CODE
    # The alert in the officer's language if it has it, else its network's.
    text = alert.text_for(language, networks[0].default_language if networks else "")
    with translation.override(language):
        label = alert_label(message=alert)
        subject = _("No feedback yet on the alert of %(alert)s") % {"alert": label}
        body = render_to_string(
            "messaging/texts/feedback_reminder.txt",
            {
                "alert": alert,
                "label": label,
                "networks": ", ".join(n.name for n in networks),
                "text": text,
                "url": url,
                "page": settings.PUBLIC_BASE_URL + reverse("messaging:detail", args=[alert.pk]),
            },
        )
    notification_queue(
        kind="feedback_reminder", channel="email", to=user.email, subject=subject, body=body
    )
