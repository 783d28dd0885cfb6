"""Delivery reports on alerts: a provider's normalised report
(``outbox.signals.status_received``) moves a Delivery forward only.

Providers post reports in any order, sometimes twice, and concurrently;
every report is one conditional UPDATE that only matches rows of a lower
rank, so a late "sent" never overwrites "delivered", and a final status
(delivered, undelivered, failed) never changes again. An SMS that ends
undelivered for a reason another try cannot fix (the provider marks it
``unreachable``: unknown number, landline, opted out, ...) falls back to
email, as a permanent error at send time does. A call reported busy or not
answered is dialled once more, and a call that does not reach the member in
the end falls back to SMS or email (``messaging.services.voice``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.services.opt_outs import member_email_complaint
from messaging.models import Delivery
from messaging.services.fanout import delivery_sends_queue
from messaging.services.sending import delivery_email_fallback
from messaging.services.voice import delivery_call_fallback, delivery_call_redial
from outbox.signals import ReportedStatus, StatusReport

__all__ = ["FINAL_RANK", "STATUS_RANK", "delivery_status_record"]

logger = logging.getLogger(__name__)

_S = Delivery.Status
# Status only moves up this ladder; the top rung is final.
STATUS_RANK = {
    _S.QUEUED: 0,
    _S.SENDING: 1,
    _S.SENT: 2,
    _S.DELIVERED: 3,
    _S.UNDELIVERED: 3,
    _S.FAILED: 3,
    _S.CANCELLED: 3,
    _S.EXPIRED: 3,
}
FINAL_RANK = 3

_TARGET = {
    ReportedStatus.SENT: _S.SENT,
    ReportedStatus.DELIVERED: _S.DELIVERED,
    ReportedStatus.UNDELIVERED: _S.UNDELIVERED,
    ReportedStatus.FAILED: _S.FAILED,
}


def delivery_status_record(*, report: StatusReport) -> str:
    """Apply one delivery report to the delivery with its provider id.

    Returns what happened, for logs and tests: the new status, "unchanged"
    (the report was late, repeated or about a final delivery) or "unknown"
    (no such delivery). A complaint (the member marked the email as spam)
    leaves the delivery as it is and switches email off for the member.
    """
    if report.status == ReportedStatus.COMPLAINED:
        return _complaint(sid=report.provider_id)
    if report.status == ReportedStatus.ACCEPTED:
        # The provider has it but nothing happened yet: at most it proves the
        # hand-over, so it only settles a row still marked as sending.
        target, below = _S.SENT, [_S.SENDING]
    else:
        target = _TARGET[report.status]
        below = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[target]]
    sid = report.provider_id
    if report.status == ReportedStatus.UNDELIVERED and delivery_call_redial(report=report):
        return "redial"

    now = timezone.now()
    fields: dict = {"status": target, "updated_at": now}
    if target in (_S.SENT, _S.DELIVERED):
        fields["sent_at"] = Coalesce(F("sent_at"), Value(now, output_field=DateTimeField()))
    if target == _S.DELIVERED:
        # Reports measure how fast a message reached its members with this.
        fields["delivered_at"] = now
    if target in (_S.UNDELIVERED, _S.FAILED):
        detail = report.error
        if report.error_code:
            detail = f"{detail} (error {report.error_code})"
        fields.update(error_code=report.error_code, error=detail[:1000])
    # One statement that only matches lower ranks: concurrent or late reports
    # cannot move the row back, whatever order they commit in.
    moved = Delivery.objects.filter(provider_id=sid, status__in=below).update(**fields)
    if not moved:
        if not Delivery.objects.filter(provider_id=sid).exists():
            return "unknown"
        return "unchanged"
    logger.info(
        "delivery %s: %s %r -> %s", sid, report.provider.capitalize(), str(report.status), target
    )
    if target in (_S.UNDELIVERED, _S.FAILED) and report.unreachable:
        _email_fallback(sid=sid)
    if target in (_S.UNDELIVERED, _S.FAILED):
        _call_fallback(sid=sid)
    return str(target)


def _email_fallback(*, sid: str) -> None:
    delivery = (
        Delivery.objects.select_related("message", "member")
        .filter(provider_id=sid, channel=Delivery.Channel.SMS)
        .first()
    )
    if delivery is None:
        return
    fallback = delivery_email_fallback(delivery)
    if fallback is not None:
        message = delivery.message
        transaction.on_commit(lambda: delivery_sends_queue(message, [fallback.pk]))
        logger.info("delivery %s undeliverable by SMS: email %s queued", sid, fallback.pk)


def _call_fallback(*, sid: str) -> None:
    delivery = (
        Delivery.objects.select_related("message", "member__network")
        .filter(provider_id=sid, channel=Delivery.Channel.VOICE)
        .first()
    )
    if delivery is None:
        return
    fallback = delivery_call_fallback(delivery)
    if fallback is not None:
        message = delivery.message
        transaction.on_commit(lambda: delivery_sends_queue(message, [fallback.pk]))


def _complaint(*, sid: str) -> str:
    delivery = Delivery.objects.select_related("member").filter(provider_id=sid).first()
    if delivery is None:
        return "unknown"
    member_email_complaint(member=delivery.member)
    logger.info("delivery %s: reported as spam, email off for member %s", sid, delivery.member_id)
    return "complained"
