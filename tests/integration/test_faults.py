"""Fault injection on real components: an urgent alert fans out to a few
hundred members through a Celery worker process, which sends the SMS with
the real Twilio gateway to a mock of Twilio's API and email to an SMTP sink
(benchmarks/mock_servers.py, with the provider model: 200 ms per request,
100 in flight per account), many requests at once, while something breaks:
the worker is killed (kill -9) with a hundred requests in flight, the broker
is down when the alert is published, the gateway answers storms of 429 and
bursts of 500, the worker's database connections are cut. Whatever happens,
every member gets the alert; no SMS goes out twice (an in-doubt send is
looked up at the provider first) and an email at most once more per email
in flight at a kill, counted at the mocks. Two workers together never have
more requests in flight than the account allows.

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
from tests.integration.conftest import (
    database_connections_count,
    database_connections_terminate,
    wait_until,
)

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

# Recovery in seconds instead of minutes: a claim older than 5 s is stale
# (a send to the mock takes 200 ms, a second on a busy machine), the sweep
# takes over work after 1 s, and a temporary error waits 0.2 s, doubling at
# each attempt. The leases of a killed worker come back after the gateway's
# timeout (5 s) and 5 s more.
FAST_RECOVERY = {
    "MESSAGING_STALE_CLAIM_SECONDS": "5",
    "MESSAGING_SWEEP_GRACE_SECONDS": "1",
    "MESSAGING_RETRY_BACKOFF_SECONDS": "0.2",
}
# Seconds for a whole fan-out to complete after the fault; it takes a few.
DELIVERY_TIMEOUT = 60
# Emails one worker process has in flight (EMAIL_MAX_IN_FLIGHT, the default).
EMAIL_IN_FLIGHT = 10


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


def _alert(world, *, by_email: bool = False) -> Message:
    """An urgent alert by SMS (only, unless ``by_email``): every member gets
    exactly one SMS."""
    message = Message.objects.create(
        kind=Message.Kind.URGENT,
        texts={"nl": {"sms": "Inbrekers actief: licht aan", "subject": "Dringend", "body": "..."}},
        created_by=world.users["officer"],
        by_email=by_email,
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


def test_worker_killed_with_many_requests_in_flight_loses_nothing_and_sends_no_sms_twice(
    world, private_broker, worker_factory, twilio_mock, smtp_sink
):
    phones = _members(world, 300)
    by_email = Member.objects.active().filter(network=world.network, by_email=True)
    emails = {e for e in by_email.values_list("email", flat=True) if e}
    worker = worker_factory(pool="prefork", env=FAST_RECOVERY)
    message = _alert(world, by_email=True)
    diagnostics = _diagnostics(message, twilio_mock, worker)
    message_publish(message=message, published_by=world.users["officer"])

    # 1. The whole worker dies at about 30 %, pool children included, with
    # about a hundred SMS requests in flight at the mock: the provider has
    # them, the rows say "sending". Its tasks stay unacknowledged in Redis
    # (for the visibility timeout, an hour), so the sweep hands its rows out
    # again once it is back; RabbitMQ gives them back as soon as the dead
    # worker's connection drops. Each in-doubt SMS is looked up first.
    at_kill = _wait_for_share(twilio_mock, 0.3, len(phones), diagnostics)
    in_flight = message.deliveries.filter(status=Delivery.Status.SENDING).count()
    worker.kill()
    assert at_kill < len(phones), "the fan-out ended before the kill"
    assert twilio_mock.stats()["max_concurrency"] > 20, "many requests were in flight"
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
        lambda: _done(message) == len(phones) and _done(message, channel="email") == len(emails),
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS and emails sent after kills at {at_kill} and {at_second}",
        tick=Beat(),
        every=0.2,
        diagnostics=diagnostics,
    )
    received = _received(twilio_mock)
    assert set(received) == phones, "some members never got the alert"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates == 0, f"{duplicates} SMS sent twice ({in_flight} in doubt):\n{diagnostics()}"
    assert twilio_mock.stats()["lookups"] > 0, "the in-doubt SMS were looked up"
    assert "WorkerLostError" in worker.log_text()
    # Email has no lookup: an email in flight at a kill may go out again.
    assert {e: smtp_sink.count_for(e) >= 1 for e in emails} == dict.fromkeys(emails, True)
    email_duplicates = sum(smtp_sink.count_for(e) - 1 for e in emails)
    assert email_duplicates <= kills * EMAIL_IN_FLIGHT, email_duplicates


def test_two_workers_share_the_account_limit(world, private_broker, worker_factory, twilio_mock):
    phones = _members(world, 300)
    twilio_mock.set_max_concurrent(0)  # the mock only counts: the limit is ours
    env = {**FAST_RECOVERY, "MESSAGING_FANOUT_CHUNK": "40"}
    workers = [worker_factory(env=env, gateway={"max_in_flight": 15}) for _ in range(2)]
    message = _alert(world)
    diagnostics = _diagnostics(message, twilio_mock, *workers)
    message_publish(message=message, published_by=world.users["officer"])

    most_connections = 0

    def finished() -> bool:
        nonlocal most_connections
        for worker in workers:
            count = database_connections_count(application_name=worker.application_name)
            most_connections = max(most_connections, count)
        return _done(message) == len(phones)

    wait_until(
        finished,
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS sent by two workers",
        tick=Beat(),
        every=0.1,
        diagnostics=diagnostics,
    )
    stats = twilio_mock.stats()
    # Both sent, together never more than the account's 15 at once, and
    # close to it (each alone could have had 100 in flight).
    assert all("delivery_send_task" in w.log_text() for w in workers)
    assert 10 <= stats["max_concurrency"] <= 15, stats
    assert max(_received(twilio_mock).values()) == 1
    # Requests in flight do not take database connections: one per worker.
    assert most_connections <= 1, most_connections


def test_429_storms_and_5xx_bursts_under_concurrency_lose_nothing(
    world, private_broker, worker_factory, twilio_mock
):
    phones = _members(world, 300)
    # The account allows 20 requests at once, the gateway was told 60: a
    # storm of 429s; and 15 % of the rest are 500s.
    twilio_mock.set_max_concurrent(20)
    twilio_mock.fail_burst(every=40, length=6, status=500)
    worker = worker_factory(env=FAST_RECOVERY, gateway={"max_in_flight": 60})
    message = _alert(world)
    diagnostics = _diagnostics(message, twilio_mock, worker)
    message_publish(message=message, published_by=world.users["officer"])

    wait_until(
        lambda: _done(message) == len(phones),
        timeout=DELIVERY_TIMEOUT,
        what=f"{len(phones)} SMS sent through 429 storms and 500 bursts",
        tick=Beat(),
        every=0.2,
        diagnostics=diagnostics,
    )
    stats = twilio_mock.stats()
    assert stats["limit_429s"] > 0 and stats["by_status"]["500"] > 0, stats
    assert stats["max_concurrency"] <= 20
    received = _received(twilio_mock)
    assert set(received) == phones
    assert max(received.values()) == 1, "an SMS went out twice"
    assert not message.deliveries.exclude(status=Delivery.Status.SENT).exists()


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
    # Every 429 and 500 was recorded on its row and tried again; 429s are
    # counted apart (rate_limited) so they never use up the real attempts.
    sent = message.deliveries.filter(channel="sms", status=Delivery.Status.SENT)
    figures = sent.aggregate(errors=Sum(F("attempts") - 1), refused=Sum("rate_limited"))
    assert figures == {"errors": by_status["500"], "refused": by_status["429"]}

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
