"""How many requests a provider account may have in flight, and how fast it
may be asked: limits shared by every worker process and host.

A provider limits the account, not one process (Twilio answers HTTP 429,
error 20429, above the account's concurrent requests). So the in-flight
count lives in Redis (``OUTBOX_LIMITER_URL``, default ``REDIS_URL``; it has
nothing to do with the Celery broker, which may be RabbitMQ): one sorted set
per account whose members are leases, each scored with the moment it
expires. A worker takes leases before its requests and gives them back
after; a worker killed mid-request never gives them back, and its leases
expire after ``lease_seconds`` (the gateway's request timeout and a margin),
so the account's capacity comes back on its own.

The send rate (``send_rate`` per second, where the provider limits it) is a
shared GCRA schedule in the same Redis: each send reserves the next slot and
waits until it comes. A 429 pauses the whole account for its Retry-After.

Without Redis (development on SQLite, the test suite without REDIS_URL) or
while it cannot be reached, each process counts on its own: more 429s across
processes, which slow the sender down, but an alert never waits for Redis.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

__all__ = ["Limits", "email_limits", "limiter"]


@dataclass(frozen=True)
class Limits:
    """What one account (``key``) allows: requests in flight (0: no shared
    limit), sends per second (0: no limit), and how long a lease of a dead
    worker keeps its place."""

    key: str
    max_in_flight: int = 0
    send_rate: float = 0.0
    lease_seconds: float = 30.0


# KEYS: leases, pause. ARGV: limit, want, lease ms, lease id prefix.
# Returns {granted lease ids...} or {"", pause ms left} while paused.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {'', tostring(pause - now)} end
local grant = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1]))
local ids = {}
for i = 1, grant do
  local id = ARGV[4] .. ':' .. i
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
  ids[#ids + 1] = id
end
if grant > 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000) end
return ids
"""

# KEYS: the schedule. ARGV: interval in microseconds. Returns µs to wait.
_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return tostring(tat - now)
"""

# KEYS: pause. ARGV: ms. Never shortens a longer pause.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > old then
  redis.call('SET', KEYS[1], string.format('%.0f', until_ms), 'PX', tonumber(ARGV[1]) + 1000)
end
return 1
"""


class _Local:
    """The same contract within one process (no Redis, or Redis unreachable)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leases: dict[str, dict[str, float]] = {}
        self.paused: dict[str, float] = {}
        self.next_slot: dict[str, float] = {}

    def acquire(self, limits: Limits, want: int, prefix: str) -> tuple[list[str], float]:
        now = time.monotonic()
        with self.lock:
            if self.paused.get(limits.key, 0) > now:
                return [], self.paused[limits.key] - now
            held = self.leases.setdefault(limits.key, {})
            for lease, expires in list(held.items()):
                if expires <= now:
                    del held[lease]
            grant = min(want, limits.max_in_flight - len(held))
            ids = [f"{prefix}:{i}" for i in range(1, grant + 1)]
            for lease in ids:
                held[lease] = now + limits.lease_seconds
            return ids, 0.0

    def release(self, limits: Limits, leases: list[str]) -> None:
        with self.lock:
            held = self.leases.get(limits.key, {})
            for lease in leases:
                held.pop(lease, None)

    def rate_wait(self, limits: Limits) -> float:
        now = time.monotonic()
        with self.lock:
            slot = max(self.next_slot.get(limits.key, 0.0), now)
            self.next_slot[limits.key] = slot + 1.0 / limits.send_rate
        return slot - now

    def pause(self, limits: Limits, seconds: float) -> None:
        with self.lock:
            until = time.monotonic() + seconds
            self.paused[limits.key] = max(self.paused.get(limits.key, 0.0), until)


class Limiter:
    """The shared limits of every provider account this process sends through.

    ``acquire`` never blocks: it grants what is free now (possibly nothing)
    and says how long the account is paused; the caller polls again. Any
    Redis error falls back to counting in this process.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = _Local()
        self.prefix = "bin:outbox:limit:"
        self._client = None
        self._scripts: dict[str, object] = {}
        self._down_until = 0.0
        if url:
            import redis

            # Short timeouts: a Redis that hangs must not hold an alert back.
            self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            for name, source in (("acquire", _ACQUIRE), ("rate", _RATE), ("pause", _PAUSE)):
                self._scripts[name] = self._client.register_script(source)

    def _shared(self) -> bool:
        return self._client is not None and time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        # Try Redis again in a few seconds; count locally meanwhile.
        if time.monotonic() >= self._down_until:
            logger.warning("send limits: Redis unreachable (%s); counting per process", exc)
        self._down_until = time.monotonic() + 5.0

    def _call(self, name: str, keys: list[str], args: list):
        import redis

        try:
            return self._scripts[name](keys=keys, args=args)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)
            return None

    def acquire(self, limits: Limits, want: int) -> tuple[list[str], float]:
        """Up to ``want`` leases of ``limits.key`` (fewer, or none, when the
        account is full); and the seconds its pause still lasts."""
        if want <= 0:
            return [], 0.0
        if limits.max_in_flight <= 0:
            return [""] * want, 0.0
        prefix = uuid.uuid4().hex
        if self._shared():
            lease_ms = max(int(limits.lease_seconds * 1000), 1000)
            result = self._call(
                "acquire",
                [self.prefix + limits.key, self.prefix + limits.key + ":pause"],
                [limits.max_in_flight, want, lease_ms, prefix],
            )
            if result is not None:
                if result and result[0] in (b"", ""):
                    return [], int(result[1]) / 1000
                return [r.decode() if isinstance(r, bytes) else r for r in result], 0.0
        return self.local.acquire(limits, want, prefix)

    def release(self, limits: Limits, leases: list[str]) -> None:
        """Give leases back (as soon as their requests are answered)."""
        leases = [lease for lease in leases if lease]
        if not leases:
            return
        self.local.release(limits, leases)
        if self._shared():
            import redis

            try:
                self._client.zrem(self.prefix + limits.key, *leases)
            except (redis.RedisError, OSError) as exc:
                # Not given back: the leases expire after lease_seconds.
                self._failed(exc)

    def rate_wait(self, limits: Limits) -> float:
        """Reserve the next send slot of the account; seconds until it comes."""
        if limits.send_rate <= 0:
            return 0.0
        if self._shared():
            interval = max(1, round(1_000_000 / limits.send_rate))
            result = self._call("rate", [self.prefix + limits.key + ":rate"], [interval])
            if result is not None:
                return int(float(result)) / 1_000_000
        return self.local.rate_wait(limits)

    def pause(self, limits: Limits, seconds: float) -> None:
        """Hold every send of the account back for ``seconds`` (a 429's Retry-After)."""
        if seconds <= 0:
            return
        self.local.pause(limits, seconds)
        if self._shared():
            self._call("pause", [self.prefix + limits.key + ":pause"], [math.ceil(seconds * 1000)])

    def in_flight(self, limits: Limits) -> int:
        """Leases held now (for tests and the benchmark)."""
        if self._shared():
            import redis

            try:
                key = self.prefix + limits.key
                self._client.zremrangebyscore(key, "-inf", int(time.time() * 1000))
                return int(self._client.zcard(key))
            except (redis.RedisError, OSError) as exc:
                self._failed(exc)
        return len(self.local.leases.get(limits.key, {}))


_limiter: tuple[int, str, Limiter] | None = None


def limiter() -> Limiter:
    """This process's limiter (a forked worker builds its own connection)."""
    global _limiter
    url = getattr(settings, "OUTBOX_LIMITER_URL", "") or ""
    if _limiter is None or _limiter[0] != os.getpid() or _limiter[1] != url:
        _limiter = (os.getpid(), url, Limiter(url))
    return _limiter[2]


def email_limits() -> Limits:
    """The shared limits of outgoing email: ``EMAIL_MAX_IN_FLIGHT`` SMTP
    sessions (or provider API calls) at once per mail server, and
    ``MESSAGING_SEND_RATE["email"]`` per second."""
    host = getattr(settings, "EMAIL_HOST", "") or ""
    port = getattr(settings, "EMAIL_PORT", "") or ""
    return Limits(
        key=f"email:{settings.EMAIL_BACKEND}:{host}:{port}",
        max_in_flight=int(getattr(settings, "EMAIL_MAX_IN_FLIGHT", 10) or 0),
        send_rate=float(getattr(settings, "MESSAGING_SEND_RATE", {}).get("email") or 0),
        lease_seconds=float(getattr(settings, "EMAIL_TIMEOUT", None) or 20) + 5,
    )
