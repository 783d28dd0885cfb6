"""Recovery of alert sends, at unit level (the same faults on real processes
are in tests/integration/test_faults.py): retries queued for when each row is
due, outcomes recorded after a dropped database connection, tasks that start
again after one, and the sweep's thresholds from the settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from messaging import tasks
from messaging.models import Delivery, Message
from messaging.services.sending import delivery_send_chunk
from messaging.services.sweep import delivery_sweep
from outbox.gateways import locmem
from outbox.gateways.base import BaseSMSGateway, TemporaryGatewayError
from tests.factories import MessageFactory


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


class RateLimitedSMS(BaseSMSGateway):
    """Twilio answering 429 to everything."""

    def send_sms(self, message):
        raise TemporaryGatewayError("Twilio HTTP 429, error 20429: Too Many Requests")


def _published(world) -> Message:
    return MessageFactory(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief", "subject": "Dringend", "body": "..."}},
        created_by=world.users["officer"],
        by_email=False,
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
        fanout_done_at=timezone.now(),
        networks=[world.network],
    )


def _queued(world) -> Delivery:
    return Delivery.objects.create(
        message=_published(world),
        member=world.member,
        channel=Delivery.Channel.SMS,
        to=str(world.member.mobile_phone),
        language="nl",
    )


def test_a_retry_is_queued_for_when_the_row_is_due(world, settings, monkeypatch):
    settings.MESSAGING_RETRY_BACKOFF_SECONDS = 2
    settings.OUTBOX_GATEWAYS = {
        **settings.OUTBOX_GATEWAYS,
        "sms": {"BACKEND": "tests.messaging.test_fanout_recovery.RateLimitedSMS", "OPTIONS": {}},
    }
    queued = []
    monkeypatch.setattr(
        tasks.delivery_send_task, "apply_async", lambda **kwargs: queued.append(kwargs)
    )
    delivery = _queued(world)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=2)  # third attempt now

    delivery_send_chunk(delivery_ids=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 3
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 7 < wait <= 8  # 2 s doubled twice
    # The task comes when the row is due, not after the first backoff (2 s),
    # when it would find the row not yet due and leave it to the sweep.
    assert [(q["args"], q["countdown"]) for q in queued] == [([[delivery.pk]], 8)]


def test_an_outcome_is_recorded_on_a_new_connection_when_the_old_one_dropped(
    transactional_db, world, monkeypatch
):
    # transactional_db: as in a worker, no transaction around the send.
    from django.db.backends.utils import CursorWrapper

    delivery = _queued(world)
    execute = CursorWrapper.execute
    dropped = []

    def drop_once(self, sql, params=None):
        # The statement that records "sent": the connection drops under it once.
        recording = sql.startswith("WITH sent") and "UPDATE" in sql
        if recording and not dropped:
            dropped.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", drop_once)

    counts = delivery_send_chunk(delivery_ids=[delivery.pk])

    assert dropped and counts["sent"] == 1
    delivery.refresh_from_db()
    # Recorded as sent: the sweep will not hand it out (and send it) again.
    assert delivery.status == Delivery.Status.SENT and delivery.provider_id
    assert len(locmem.outbox) == 1


def test_a_send_task_starts_again_after_a_database_error(world, monkeypatch):
    delivery = _queued(world)
    send_chunk = delivery_send_chunk
    calls = []

    def flaky(*, delivery_ids):
        calls.append(delivery_ids)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return send_chunk(delivery_ids=delivery_ids)

    monkeypatch.setattr(tasks, "delivery_send_chunk", flaky)

    # As a worker runs it: the retry runs at once, inline.
    tasks.delivery_send_task.apply(args=[[delivery.pk]], throw=False)

    assert calls == [[delivery.pk], [delivery.pk]]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(locmem.outbox) == 1


def test_the_sweep_thresholds_come_from_the_settings(world, settings):
    delivery = _queued(world)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=20)
    )
    assert delivery_sweep()["reclaimed"] == 0  # 5 minutes by default
    settings.MESSAGING_STALE_CLAIM_SECONDS = 10
    settings.MESSAGING_SWEEP_GRACE_SECONDS = 0
    result = delivery_sweep()
    assert result["reclaimed"] == 1 and result["requeued"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT  # eager tasks: sent by the sweep
    assert len(locmem.outbox) == 1
