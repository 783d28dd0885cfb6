"""Messaging's part of erasing a member who leaves (``members.hooks.member_erasers``,
registered in ``MessagingConfig.ready()``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from members.models import Member
from messaging.models import Delivery, IncidentReport, Reply
from outbox.models import Notification

__all__ = ["member_messaging_erase"]


def member_messaging_erase(*, member: Member, addresses: list[str]) -> None:
    """Erase the copies of a member's contact data that messaging keeps.

    - deliveries keep their status (the message's figures) but not the
      recipient's address or the provider's error text (which quotes it);
      those still waiting are cancelled;
    - replies, by the member or from one of their addresses, keep their
      place in the inbox but not the sender or the text (which often ends
      in a name and number); the copies of forwards that quoted them (once
      sent) keep no text either;
    - incident reports stay with the police as information about the area,
      but no longer name who sent them.
    """
    deliveries = Delivery.objects.filter(member=member)
    deliveries.filter(status=Delivery.Status.QUEUED).update(status=Delivery.Status.CANCELLED)
    deliveries.update(to="", error="")
    replies = Reply.objects.filter(Q(member=member) | Q(member=None, from_address__in=addresses))
    forwards = Notification.objects.filter(
        about_type=ContentType.objects.get_for_model(Reply),
        about_id__in=list(replies.values_list("pk", flat=True)),
    )
    forwards.exclude(status="queued").update(body="", html_body="", subject="", last_error="")
    replies.update(from_address="", body="")
    IncidentReport.objects.filter(member=member).update(member=None)
