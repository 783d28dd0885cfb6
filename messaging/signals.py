"""What happens to messages, replies and members' reports, for higher apps.

Messaging knows no app above it; apps that act on these events (outbound
webhooks, ``webhooks.receivers``) connect receivers. Each signal is sent
inside the transaction that made the change, after the change: a receiver
that writes rows writes them in the same transaction, and one that reaches
outside the platform must wait for the commit (``transaction.on_commit``).

- ``message_published(sender=Message, message)``: a message was published
  (its fan-out starts after commit).
- ``message_cancelled(sender=Message, message)``: a message was cancelled.
- ``message_completed(sender=Message, message, figures)``: every delivery of a
  published message is final (``messaging.selectors.messages.DONE``); sent
  once per message. ``figures`` is ``{"total", "done", "by_channel"}`` with
  the counts per channel and status.
- ``reply_received(sender=Reply, reply)``: a member's reply was stored.
- ``incident_report_created(sender=IncidentReport, report)``: a member sent
  a report.
"""

from __future__ import annotations

from django.dispatch import Signal

message_published = Signal()
message_cancelled = Signal()
message_completed = Signal()
reply_received = Signal()
incident_report_created = Signal()
