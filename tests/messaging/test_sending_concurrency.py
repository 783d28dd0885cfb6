"""Sending many deliveries at once (messaging/services/sending.py and
dispatch.py) against the Twilio mock's provider model, in-process: requests
in flight up to the account's limit and never beyond it, no database
connection per request, in-doubt rows looked up at the provider before a
re-send, and a 429 that pauses the account without losing a row. The same
on real worker processes (kill -9, two workers): tests/integration."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from benchmarks.mock_servers import TwilioMock
from members.models import Member
from messaging.models import Delivery
from messaging.services import sending
from messaging.services.sending import delivery_send_chunk
from outbox.gateways import get_sms_gateway
from outbox.limits import Limiter, limiter
from tests.factories import MemberFactory
from tests.messaging.test_fanout_recovery import _published

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def twilio(settings, redis_url):
    account = "AC" + uuid.uuid4().hex  # its own limits key in the shared Redis
    with TwilioMock(account_sid=account) as mock:
        settings.OUTBOX_LIMITER_URL = redis_url
        settings.MESSAGING_SEND_THREADS = 50
        settings.OUTBOX_GATEWAYS = {
            "sms": {
                "BACKEND": "outbox.gateways.twilio.TwilioSMSGateway",
                "OPTIONS": {
                    "base_url": mock.url,
                    "account_sid": account,
                    "auth_token": "x" * 32,
                    "from_number": "+3253606464",
                    "max_in_flight": 20,
                    "timeout": 5,
                },
            },
            "voice": settings.OUTBOX_GATEWAYS["voice"],
        }
        yield mock


def _deliveries(world, count: int) -> list[Delivery]:
    Member.objects.bulk_create(MemberFactory.build_batch(count, network=world.network))
    message = _published(world)
    return Delivery.objects.bulk_create(
        Delivery(message=message, member=m, channel="sms", to=str(m.mobile_phone), language="nl")
        for m in Member.objects.filter(network=world.network, mobile_phone__gt="")
    )


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_chunk_keeps_the_account_limit_in_flight_and_no_more(world, twilio, require_postgres):
    rows = _deliveries(world, 59)
    backends = _backends()
    began = time.monotonic()
    counts = delivery_send_chunk(delivery_ids=[d.pk for d in rows])
    took = time.monotonic() - began
    assert counts["sent"] == len(rows) == 60
    # 60 requests of 200 ms, 20 at a time: three rounds (0.6 s), not sixty (12 s);
    # generous for a busy machine.
    assert took < 8.0, f"{took:.1f} s"
    stats = twilio.stats()
    # Up to the account's 20 at once, never more (all 20 at the same moment
    # on a quiet machine; a busy one may start the last before the first end).
    assert 10 <= stats["max_concurrency"] <= 20, stats
    assert stats["limit_429s"] == 0 and stats["accepted"] == 60
    # The send threads never touch the database: no connection per request.
    assert _backends() == backends
    assert limiter().in_flight(get_sms_gateway().limits()) == 0, "every lease given back"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_an_in_doubt_sms_the_provider_has_is_not_sent_again(world, twilio, require_postgres):
    twilio.set_latency(0)
    first, second = _deliveries(world, 1)
    # A worker claimed both, sent the first, and died before recording either;
    # the sweep handed them back (queued, the claim kept).
    claimed = timezone.now()
    delivery_send_chunk(delivery_ids=[first.pk])
    sid = Delivery.objects.get(pk=first.pk).provider_id
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=Delivery.Status.QUEUED, claimed_at=claimed, provider_id=""
    )
    counts = delivery_send_chunk(delivery_ids=[first.pk, second.pk])
    assert counts["reconciled"] == 1 and counts["sent"] == 1
    assert twilio.accepted_for(first.to) == 1, "the provider had it: not sent twice"
    assert twilio.accepted_for(second.to) == 1
    first.refresh_from_db()
    assert (first.status, first.provider_id) == (Delivery.Status.SENT, sid)
    assert twilio.stats()["lookups"] == 2


def test_an_in_doubt_sms_waits_while_the_provider_cannot_tell(world, twilio, require_postgres):
    twilio.set_latency(0)
    (row,) = _deliveries(world, 0)
    claimed = timezone.now()
    Delivery.objects.filter(pk=row.pk).update(claimed_at=claimed)  # handed back by the sweep
    twilio.fail_first(1, status=503)  # the lookup itself fails
    counts = delivery_send_chunk(delivery_ids=[row.pk])
    row.refresh_from_db()
    assert counts["retry"] == 1 and twilio.accepted_for(row.to) == 0
    # Still in doubt: the next try asks again before sending.
    assert row.status == Delivery.Status.QUEUED and row.claimed_at == claimed
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert delivery_send_chunk(delivery_ids=[row.pk])["sent"] == 1
    assert twilio.stats()["lookups"] == 2 and twilio.accepted_for(row.to) == 1


def test_a_retry_is_not_in_doubt(world, twilio, require_postgres):
    twilio.set_latency(0)
    twilio.fail_first(1, status=500)
    (row,) = _deliveries(world, 0)
    delivery_send_chunk(delivery_ids=[row.pk])
    row.refresh_from_db()
    # The 500 was decided (back to queued): no claim left to doubt.
    assert row.status == Delivery.Status.QUEUED and row.claimed_at is None


def test_429s_pause_the_account_and_lose_nothing(world, twilio, require_postgres, monkeypatch):
    requeued = []
    # Eager tasks would run the retries at once, inside this call.
    monkeypatch.setattr(
        sending, "delivery_sends_queue", lambda message, ids, countdown=0: requeued.extend(ids)
    )
    pauses = []
    real_pause = Limiter.pause

    def pause(self, limits, seconds):
        pauses.append((limits.key, seconds))
        real_pause(self, limits, seconds)

    monkeypatch.setattr(Limiter, "pause", pause)
    twilio.set_max_concurrent(5)  # the account allows less than we were told
    rows = _deliveries(world, 29)
    counts = delivery_send_chunk(delivery_ids=[d.pk for d in rows])
    stats = twilio.stats()
    assert stats["limit_429s"] > 0 and counts["retry"] == stats["limit_429s"]
    assert counts["sent"] + counts["retry"] == 30 and counts["failed"] == 0
    retried = Delivery.objects.filter(status=Delivery.Status.QUEUED)
    assert retried.count() == counts["retry"]
    assert all("20429" in d.error and d.next_attempt_at for d in retried)
    assert sorted(requeued) == sorted(d.pk for d in retried)
    # Every sender of the account held back for a moment (the shared pause).
    assert pauses and all(key == get_sms_gateway().limit_key() for key, _ in pauses)
    assert {seconds for _, seconds in pauses} == {sending.RATE_LIMIT_PAUSE}


def test_429s_never_use_up_the_attempts_real_errors_are_allowed(
    world, twilio, require_postgres, monkeypatch
):
    """A row slowed down by many 429s and then hit by one 500 is retried, not
    failed: rate limiting is counted apart from real errors (a fault test on
    RabbitMQ lost an SMS this way)."""
    monkeypatch.setattr(sending, "delivery_sends_queue", lambda message, ids, countdown=0: None)
    (row,) = _deliveries(world, 0)
    rows = Delivery.objects.filter(pk=row.pk)

    def send(status: int) -> dict:
        twilio.fail_burst(every=1, length=1, status=status)
        rows.update(next_attempt_at=None)
        return delivery_send_chunk(delivery_ids=[row.pk])

    rows.update(rate_limited=sending.MAX_SEND_ATTEMPTS + 3)
    assert send(500)["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.QUEUED, 1)
    # A 429 counts towards its own, larger limit only.
    assert send(429)["retry"] == 1
    row.refresh_from_db()
    assert (row.attempts, row.rate_limited) == (1, sending.MAX_SEND_ATTEMPTS + 4)
    rows.update(rate_limited=sending.MAX_RATE_LIMITED_ATTEMPTS - 1)
    assert send(429)["failed"] == 1
