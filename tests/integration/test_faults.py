"""Fault injection on real components: an urgent alert fans out to a few
hundred members through a Celery worker process, which sends the SMS with
the real Twilio gateway to a mock of Twilio's API and email to an SMTP sink
(benchmarks/mock_servers.py), while something breaks: the worker is killed
(kill -9), the broker is down when the alert is published, the gateway
answers bursts of 429 and 500, the worker's database connections are cut.
Whatever happens, every member gets the alert, and a crash sends at most one
message twice, counted at the mock.

Each test runs twice, on its own redis-server and on its own RabbitMQ virtual
host behind a relay (either stopped and started at will), with its own
workers; the shared Redis and PostgreSQL servers are never touched, only the
test database. The sweep, which beat runs every minute in production, is sent
to the worker every second here, with the recovery thresholds lowered to
seconds through the worker's environment. Every wait has a deadline.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from contextlib import suppress

import kombu.exceptions
import pytest
from django.db.models import F, Sum
from django.urls import reverse

from members.models import Member
from messaging.models import Delivery, Message
from messaging.services.lifecycle import message_publish
from tests.factories import MemberFactory
from tests.integration.conftest import database_connections_terminate, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

# Recovery in seconds instead of minutes: a claim older than 5 s is stale
# (a send to the mock takes milliseconds, even on a busy machine), the sweep
# takes over work after 1 s, and a temporary error waits 0.2 s, doubling at
# each attempt.
FAST_RECOVERY = {
    "MESSAGING_STALE_CLAIM_SECONDS": "5",
    "MESSAGING_SWEEP_GRACE_SECONDS": "1",
    "MESSAGING_RETRY_BACKOFF_SECONDS": "0.2",
}
# Seconds for a whole fan-out to complete after the fault; it takes a few.
DELIVERY_TIMEOUT = 45


class Beat:
    """What celery beat does in production, every ``every`` seconds: send
    delivery_sweep_task to the worker. With the broker down, a beat is lost."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.last = 0.0

    def __call__(self) -> None:
        from messaging.tasks import delivery_sweep_task

        if time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        # Broker down: this beat is lost, the next one tries again.
        with suppress(kombu.exceptions.OperationalError, OSError):
            delivery_sweep_task.apply_async(queue="default", retry=False)


def _members(world, count: int) -> set[str]:
    """``count`` more active members in the network; the phone numbers of all."""
    Member.objects.bulk_create(MemberFactory.build_batch(count, network=world.network))
    phones = Member.objects.active().filter(network=world.network, by_sms=True)
    return {str(p) for p in phones.values_list("mobile_phone", flat=True)}


def _alert(world) -> Message:
    """An urgent alert by SMS only: every member gets exactly one SMS."""
    message = Message.objects.create(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief: licht aan", "subject": "Dringend", "body": "..."}},
        created_by=world.users["officer"],
        by_email=False,
    )
    message.networks.set([world.network])
    return message


def _done(message: Message, *, status=Delivery.Status.SENT, channel="sms") -> int:
    return message.deliveries.filter(status=status, channel=channel).count()


def _received(twilio_mock) -> Counter:
    """SMS the Twilio mock accepted, per phone number."""
    return Counter(twilio_mock.stats(per_to=True)["accepted_per_to"])


def _diagnostics(message: Message, twilio_mock, *workers):
    def report() -> str:
        by_status = Counter(message.deliveries.values_list("channel", "status"))
        logs = "\n".join(w.log_text()[-8000:] for w in workers)
        return f"deliveries: {dict(by_status)}\nmock: {twilio_mock.stats()}\n{logs}"

    return report


def _wait_for_share(twilio_mock, share: float, total: int, diagnostics) -> int:
    """Wait until the mock accepted ``share`` of ``total`` SMS; returns how many."""
    wait_until(
        lambda: twilio_mock.stats()["accepted"] >= share * total,
        timeout=DELIVERY_TIMEOUT,
        what=f"{share:.0%} of {total} SMS at the mock",
        every=0.005,
        diagnostics=diagnostics,
    )
    return twilio_mock.stats()["accepted"]


def test_worker_killed_mid_fanout_sends_everything_with_at_most_one_duplicate_per_kill(
    world, private_broker, worker_factory, twilio_mock
):
    phones = _members(world, 300)
    worker = worker_factory(pool="prefork", env=FAST_RECOVERY)
    message = _alert(world)
    diagnostics = _diagnostics(message, twilio_mock, worker)
    message_publish(message=message, published_by=world.users["officer"])

    # 1. The whole worker dies at about 30 %, pool children included: its
    # tasks stay unacknowledged in Redis (for the visibility timeout, an
    # hour), so the sweep hands its rows out again once it is back; RabbitMQ
    # gives them back as soon as the dead worker's connection drops.
    at_kill = _wait_for_share(twilio_mock, 0.3, len(phones), diagnostics)
    worker.kill()
    assert at_kill < len(phones), "the fan-out ended before the kill"
    worker.start()

    # 2. Only the pool process dies at about 60 %: the worker gives its task
    # back to the queue (reject on worker lost) and a new child runs it.
    at_second = _wait_for_share(twilio_mock, 0.6, len(phones), diagnostics)
    children = worker.pool_children()
    assert children, "a prefork worker runs its tasks in a child process"
    worker.kill_pool_children()
    kills = 2
    assert at_second < len(phones), "the fan-out ended before the second kill"

    wait_until(
        lambda: _done(message) == len(phones),
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS sent after kills at {at_kill} and {at_second}",
        tick=Beat(),
        every=0.2,
        diagnostics=diagnostics,
    )
    received = _received(twilio_mock)
    assert set(received) == phones, "some members never got the alert"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= kills, f"{duplicates} duplicates for {kills} kills:\n{diagnostics()}"
    assert "WorkerLostError" in worker.log_text()


def test_alert_published_while_the_broker_is_down_goes_out_once_it_is_back(
    client, settings, world, broker, private_broker, worker_factory, twilio_mock, caplog
):
    worker_env = dict(FAST_RECOVERY)
    if broker.kind == "redis":
        # As in production with Redis, one Redis is the broker and the cache
        # of the web process and the worker: the outage takes both.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": broker.url,
                "KEY_PREFIX": "bin",
            }
        }
        worker_env["REDIS_URL"] = broker.url
    phones = _members(world, 300)
    worker = worker_factory(env=worker_env)
    message = _alert(world)
    broker.stop()

    client.force_login(world.users["officer"])
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="messaging.services.fanout"):
        response = client.post(reverse("messaging:publish", args=[message.pk]))
    took = time.monotonic() - started
    # The officer's publish succeeds, promptly; the broker outage is logged.
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("messaging:detail", args=[message.pk])
    assert took < 10, f"publishing took {took:.1f} s with the broker down"
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert "could not queue the fan-out" in caplog.text
    assert not message.deliveries.exists()  # the fan-out task never reached a worker

    broker.start()  # Redis comes back empty: whatever it held is gone
    wait_until(
        lambda: _done(message) == len(phones),
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS sent after the broker came back",
        tick=Beat(),
        every=0.2,
        diagnostics=_diagnostics(message, twilio_mock, worker),
    )
    received = _received(twilio_mock)
    assert set(received) == phones
    assert max(received.values()) == 1, "an SMS went out twice"
    message.refresh_from_db()
    assert message.fanout_done_at is not None


def test_gateway_bursts_are_retried_and_wrong_numbers_fall_back_to_email(
    world, private_broker, worker_factory, twilio_mock, smtp_sink
):
    phones = _members(world, 300)
    wrong = dict.fromkeys(sorted(phones)[:3], "21211") | dict.fromkeys(sorted(phones)[3:5], "21614")
    for number, code in wrong.items():
        twilio_mock.fail_numbers([number], status=400, code=int(code))
    twilio_mock.fail_first(25, status=429, retry_after=1)  # rate limited at the start
    twilio_mock.fail_burst(every=40, length=6, status=500)  # then 15 % errors in bursts
    worker = worker_factory(env=FAST_RECOVERY)
    message = _alert(world)
    diagnostics = _diagnostics(message, twilio_mock, worker)
    message_publish(message=message, published_by=world.users["officer"])

    right = phones - set(wrong)
    wait_until(
        lambda: _done(message) == len(right) and _done(message, channel="email") == len(wrong),
        timeout=DELIVERY_TIMEOUT,
        what="every SMS sent, or its email fallback",
        tick=Beat(),
        every=0.2,
        diagnostics=diagnostics,
    )
    by_status = twilio_mock.stats()["by_status"]
    assert by_status["429"] == 25 and by_status["500"] >= 30, by_status
    received = _received(twilio_mock)
    assert set(received) == right
    assert max(received.values()) == 1, "an SMS went out twice"
    # Every 429 and 500 was recorded on its row and tried again.
    sent = message.deliveries.filter(channel="sms", status=Delivery.Status.SENT)
    retries = sent.aggregate(n=Sum(F("attempts") - 1))["n"]
    assert retries == by_status["429"] + by_status["500"]

    failed = message.deliveries.filter(channel="sms", status=Delivery.Status.FAILED)
    assert dict(failed.values_list("to", "error_code")) == wrong
    emails = {d.member.email for d in failed.select_related("member")}
    fallbacks = message.deliveries.filter(channel="email", fallback_for__in=failed)
    assert fallbacks.filter(status=Delivery.Status.SENT).count() == len(wrong)
    wait_until(
        lambda: smtp_sink.stats()["recipients"] >= len(wrong),
        timeout=10,
        what="the fallback emails at the SMTP sink",
    )
    assert {address: smtp_sink.count_for(address) for address in emails} == dict.fromkeys(emails, 1)
    assert smtp_sink.stats()["recipients"] == len(wrong)


def test_database_connection_cut_mid_fanout_resumes_without_loss(
    world, private_broker, worker_factory, twilio_mock
):
    phones = _members(world, 300)
    worker = worker_factory(env=FAST_RECOVERY)
    message = _alert(world)
    diagnostics = _diagnostics(message, twilio_mock, worker)
    message_publish(message=message, published_by=world.users["officer"])

    at_cut = _wait_for_share(twilio_mock, 0.3, len(phones), diagnostics)
    cut = 0

    def cut_connections() -> bool:
        # Between two tasks the worker holds no connection (CONN_MAX_AGE=0).
        nonlocal cut
        cut += database_connections_terminate(application_name=worker.application_name)
        return cut > 0

    wait_until(cut_connections, timeout=10, what="a database connection of the worker to cut")
    assert at_cut < len(phones), "the fan-out ended before the connection was cut"

    wait_until(
        lambda: _done(message) == len(phones),
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS sent after the database connection was cut at {at_cut}",
        tick=Beat(),
        every=0.2,
        diagnostics=diagnostics,
    )
    assert worker.running, "the worker survives a lost connection"
    received = _received(twilio_mock)
    assert set(received) == phones
    # The send in flight when the connection went is recorded on a new one,
    # so nothing is sent twice.
    assert max(received.values()) == 1, f"an SMS went out twice:\n{diagnostics()}"
