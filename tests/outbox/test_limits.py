"""The shared limits of provider accounts (outbox/limits.py): leases in
Redis that every process sees, that expire when their holder dies, pauses
after a 429, the shared send rate, and the per-process fallback."""

from __future__ import annotations

import time
import uuid

import pytest

from benchmarks.mock_servers import free_port
from outbox.gateways.base import GatewayConfigurationError
from outbox.gateways.locmem import LocmemSMSGateway
from outbox.gateways.twilio import TwilioSMSGateway
from outbox.limits import Limiter, Limits, email_limits


@pytest.fixture
def limits() -> Limits:
    # A key of its own: parallel test processes share the Redis database.
    return Limits(key=f"test:{uuid.uuid4().hex}", max_in_flight=5, lease_seconds=1.0)


def test_leases_are_shared_by_every_process_and_given_back(redis_url, limits):
    one, two = Limiter(redis_url), Limiter(redis_url)  # two worker processes
    first, paused = one.acquire(limits, 3)
    assert len(first) == 3 and paused == 0
    second, _ = two.acquire(limits, 10)
    assert len(second) == 2, "the account's limit holds across processes"
    assert two.acquire(limits, 1) == ([], 0.0)
    assert one.in_flight(limits) == 5
    one.release(limits, first[:2])
    again, _ = two.acquire(limits, 10)
    assert len(again) == 2
    assert two.in_flight(limits) == 5


def test_the_leases_of_a_dead_worker_expire(redis_url, limits):
    dead = Limiter(redis_url)
    assert len(dead.acquire(limits, 5)[0]) == 5  # then killed: never released
    alive = Limiter(redis_url)
    assert alive.acquire(limits, 1)[0] == []
    time.sleep(limits.lease_seconds + 0.2)
    assert len(alive.acquire(limits, 5)[0]) == 5


def test_a_pause_holds_every_process_back(redis_url, limits):
    one, two = Limiter(redis_url), Limiter(redis_url)
    one.pause(limits, 0.5)
    granted, paused = two.acquire(limits, 1)
    assert granted == [] and 0 < paused <= 0.5
    one.pause(limits, 0.1)  # a shorter pause never cuts a longer one
    assert two.acquire(limits, 1)[1] > 0.1
    time.sleep(0.6)
    assert len(two.acquire(limits, 1)[0]) == 1


def test_the_send_rate_is_one_schedule_for_all_processes(redis_url):
    limits = Limits(key=f"test:{uuid.uuid4().hex}", send_rate=10)
    one, two = Limiter(redis_url), Limiter(redis_url)
    waits = [one.rate_wait(limits), two.rate_wait(limits), one.rate_wait(limits)]
    assert waits[0] == pytest.approx(0, abs=0.01)
    assert waits[1] == pytest.approx(0.1, abs=0.02)
    assert waits[2] == pytest.approx(0.2, abs=0.02)


def test_without_redis_each_process_counts_alone(limits, caplog):
    unreachable = Limiter(f"redis://127.0.0.1:{free_port()}/0")
    granted, _ = unreachable.acquire(limits, 10)
    assert len(granted) == 5, "the alert goes out; the limit holds in this process"
    assert unreachable.acquire(limits, 1)[0] == []
    unreachable.release(limits, granted)
    assert len(unreachable.acquire(limits, 1)[0]) == 1
    assert "counting per process" in caplog.text
    no_redis = Limiter("")
    assert len(no_redis.acquire(limits, 7)[0]) == 5


def test_no_limit_grants_everything_at_once(redis_url):
    unlimited = Limits(key="test:unlimited", max_in_flight=0)
    granted, _ = Limiter(redis_url).acquire(unlimited, 250)
    assert len(granted) == 250


def test_gateways_declare_their_account_limits(settings):
    settings.MESSAGING_SEND_RATE = {"sms": 3}
    limits = LocmemSMSGateway(max_in_flight=40).limits()
    assert (limits.max_in_flight, limits.send_rate) == (40, 3)
    twilio = TwilioSMSGateway(
        account_sid="AC" + "1" * 32,
        auth_token="t" * 32,
        from_number="+3253606464",
        max_in_flight=100,
        send_rate=50,
        timeout=8,
    )
    limits = twilio.limits()
    # The account, not the process or the sender, is what Twilio limits.
    assert limits.key == "twilio:AC" + "1" * 32
    assert (limits.max_in_flight, limits.send_rate, limits.lease_seconds) == (100, 50, 13)
    assert twilio.http_client.session.get_adapter("https://api.twilio.com")._pool_maxsize == 100
    with pytest.raises(GatewayConfigurationError):
        LocmemSMSGateway(max_in_flight="many").limits()
    settings.EMAIL_MAX_IN_FLIGHT = 7
    assert email_limits().max_in_flight == 7
