"""Local stand-ins for Twilio's REST API and an SMTP server, with a
provider model: how fast a real provider answers and how much it takes.

Used by ``make bench`` (benchmarks/run.py) and by tests that need a real
HTTP/SMTP peer with faults on demand. Nothing here talks to the internet.

``TwilioMock`` answers ``POST /2010-04-01/Accounts/<sid>/Messages.json`` (and
``Calls.json``) like Twilio: 201 with a JSON body carrying a unique ``sid``
and status ``queued``; 401 without HTTP basic auth. Like Twilio, it answers
after a latency (default 200 ms) and lets an account have at most
``max_concurrent`` requests in flight (default 100); beyond that it answers
429 with error 20429 at once, and it records the highest concurrency it saw
(``max_concurrency``) and those 429s (``limit_429s``). ``GET Messages.json``
lists the accepted messages to a ``To`` number, newest first (what the
gateway's ``lookup_sms`` reads to reconcile an in-doubt send); a message
counts as accepted when its request arrives, before the latency, as at
Twilio. It counts requests in total and per ``To`` number, keeps every
accepted message, and can inject faults: the first k requests answered 429
(with Retry-After), 5xx bursts, or a permanent 400 (Twilio error 21211) for
given numbers. It is an aiohttp server on its own event loop, so it runs in
a thread of the caller or as a separate process.

``SMTPSink`` (benchmarks/smtp_sink.py) is an aiosmtpd server that accepts
every message after its latency (default 20 ms) and counts messages and
recipients (with the time each was received).

In-process (tests; ``settings`` is pytest-django's fixture, whose change of
OUTBOX_GATEWAYS also clears the cached gateway)::

    from benchmarks.mock_servers import SMTPSink, TwilioMock

    with TwilioMock() as twilio, SMTPSink() as smtp:
        twilio.fail_first(2, status=429, retry_after=1)   # next 2 requests: 429
        twilio.fail_burst(every=100, length=5, status=503)  # 5 of every 100: 503
        twilio.fail_numbers(["+32470000000"])             # always 400, code 21211
        twilio.fail_number_times("+32470000001", 1, status=500)  # first try only
        twilio.set_latency(0.05)                          # seconds per answer
        twilio.set_max_concurrent(0)                      # no 429 for concurrency
        settings.OUTBOX_GATEWAYS = {
            "sms": {
                "BACKEND": "outbox.gateways.twilio.TwilioSMSGateway",
                "OPTIONS": {
                    "base_url": twilio.url,
                    "account_sid": "AC" + "a" * 32,
                    "auth_token": "x" * 32,
                    "from_number": "+3253606464",
                },
            },
            "voice": settings.OUTBOX_GATEWAYS["voice"],
        }
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        ...
        twilio.count_for("+32470000002")   # requests to that number, any answer
        twilio.accepted_for("+32470000002")  # answered 201
        twilio.stats(); twilio.messages    # messages: dicts with sid, to, body, at
        smtp.stats(); smtp.count_for("a@example.org"); smtp.messages
        twilio.reset()  # counters and faults

As a process (the benchmark keeps no messages there, only counters)::

    python -m benchmarks.mock_servers --twilio-port 8765 --smtp-port 8025

prints ``READY`` once both listen. Control over HTTP on the Twilio port:
``GET /__mock__/stats`` (``{"twilio": {...}, "smtp": {...}}``),
``POST /__mock__/reset``, ``POST /__mock__/faults`` with a JSON body of
the keyword arguments of ``fail_first``/``fail_burst``/``fail_numbers``/
``set_latency``/``set_max_concurrent``/``set_smtp_latency``, e.g.
``{"fail_first": {"count": 3, "status": 429}}``. A reset goes back to the
latency and limit given on the command line (``--latency``,
``--max-concurrent``, ``--smtp-latency``).

Stats (both servers): ``total`` requests/messages seen, ``accepted``,
``first_at``/``last_at`` (``time.time()`` of the first/last accepted one),
and for Twilio ``by_status``, ``per_to`` (accepted and rejected per
number), ``max_concurrency``, ``limit_429s`` and ``lookups``; for SMTP
``recipients``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

from benchmarks.smtp_sink import DEFAULT_SMTP_LATENCY, SMTPSink, _Server, free_port
from benchmarks.twilio_json import DEFAULT_CODES, error_json, list_page_json, resource_json

__all__ = ["SMTPSink", "TwilioMock", "free_port"]

# The provider model: a create request answered after 200 ms, and at most
# 100 requests of one account in flight (Twilio's default concurrency limit;
# above it HTTP 429, error 20429). ``set_latency(0)`` and
# ``set_max_concurrent(0)`` for a mock that only measures our side.
DEFAULT_LATENCY = 0.2
DEFAULT_MAX_CONCURRENT = 100

MESSAGE_PATH = "/2010-04-01/Accounts/{account_sid}/Messages.json"
CALL_PATH = "/2010-04-01/Accounts/{account_sid}/Calls.json"


@dataclass
class _Burst:
    every: int
    length: int
    status: int
    code: int
    seen: int = 0


@dataclass
class _Faults:
    first_count: int = 0
    first_status: int = 429
    first_code: int = 20429
    retry_after: float | None = None
    burst: _Burst | None = None
    numbers: dict[str, tuple[int, int]] = field(default_factory=dict)  # to -> (status, code)
    number_times: dict[str, list] = field(default_factory=dict)  # to -> [times left, status, code]
    latency: float = DEFAULT_LATENCY
    max_concurrent: int = DEFAULT_MAX_CONCURRENT


class TwilioMock(_Server):
    """A fast fake of Twilio's Messages and Calls create endpoints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        account_sid: str | None = None,
        smtp_sink: SMTPSink | None = None,
        keep: bool = True,
        latency: float = DEFAULT_LATENCY,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    ) -> None:
        super().__init__(host, port)
        self.account_sid = account_sid  # None: any account in the path
        # What reset() goes back to.
        self.defaults = {"latency": latency, "max_concurrent": max_concurrent}
        # Reported and reset with this server's control endpoints.
        self.smtp_sink = smtp_sink
        self.keep = keep  # keep every accepted message in self.messages
        self._runner: web.AppRunner | None = None
        self.reset()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- faults ---------------------------------------------------------------
    def fail_first(
        self,
        count: int,
        *,
        status: int = 429,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """The next ``count`` requests get ``status`` (429 by default)."""
        with self._lock:
            self._faults.first_count = count
            self._faults.first_status = status
            self._faults.first_code = code or DEFAULT_CODES.get(status, status)
            self._faults.retry_after = retry_after

    def fail_burst(
        self, *, every: int, length: int, status: int = 500, code: int | None = None
    ) -> None:
        """From now on, the first ``length`` of every ``every`` requests get ``status``."""
        with self._lock:
            self._faults.burst = _Burst(
                every=every, length=length, status=status, code=code or DEFAULT_CODES.get(status, 0)
            )

    def fail_numbers(self, numbers, *, status: int = 400, code: int = 21211) -> None:
        """Requests to these numbers always fail (a permanent 400/21211 by default)."""
        with self._lock:
            for number in numbers:
                self._faults.numbers[str(number)] = (status, code)

    def fail_number_times(
        self, number: str, times: int, *, status: int = 500, code: int | None = None
    ) -> None:
        """The next ``times`` requests to ``number`` fail, later ones succeed."""
        with self._lock:
            self._faults.number_times[str(number)] = [
                times,
                status,
                code or DEFAULT_CODES.get(status, 0),
            ]

    def set_latency(self, seconds: float) -> None:
        """Wait this long before every answer (a slow provider)."""
        with self._lock:
            self._faults.latency = max(float(seconds), 0.0)

    def set_max_concurrent(self, count: int) -> None:
        """Answer 429 (error 20429) to requests beyond ``count`` in flight for
        the account; 0: no limit."""
        with self._lock:
            self._faults.max_concurrent = max(int(count), 0)

    def set_smtp_latency(self, seconds: float) -> None:
        """The SMTP sink's latency per message (the HTTP control API)."""
        if self.smtp_sink is not None:
            self.smtp_sink.set_latency(seconds)

    def configure(self, spec: dict) -> None:
        """Faults from a dict of method name -> keyword arguments (the HTTP control API)."""
        allowed = {
            "fail_first",
            "fail_burst",
            "fail_numbers",
            "fail_number_times",
            "set_latency",
            "set_max_concurrent",
            "set_smtp_latency",
        }
        for name, kwargs in spec.items():
            if name not in allowed:
                raise ValueError(f"unknown fault {name!r}")
            if isinstance(kwargs, dict):
                getattr(self, name)(**kwargs)
            elif isinstance(kwargs, list):
                getattr(self, name)(*kwargs)
            else:
                getattr(self, name)(kwargs)

    def reset(self) -> None:
        """Forget counters, messages and faults."""
        with self._lock:
            self._faults = _Faults(
                latency=self.defaults["latency"], max_concurrent=self.defaults["max_concurrent"]
            )
            self.total = 0
            self.in_flight = 0
            self.max_concurrency = 0
            self.limit_429s = 0
            self.lookups = 0
            # Accepted messages per number, for the list endpoint (always kept).
            self.sent_to: dict[str, list[dict]] = {}
            self.by_status: Counter[int] = Counter()
            self.per_to: Counter[str] = Counter()
            self.accepted_per_to: Counter[str] = Counter()
            self.messages: list[dict] = []
            self.first_at: float | None = None
            self.last_at: float | None = None

    # -- reading --------------------------------------------------------------
    def count_for(self, to: str) -> int:
        """Requests (accepted or not) that were addressed to ``to``."""
        return self.per_to[str(to)]

    def accepted_for(self, to: str) -> int:
        return self.accepted_per_to[str(to)]

    def stats(self, *, per_to: bool = False) -> dict:
        with self._lock:
            data = {
                "total": self.total,
                "accepted": sum(self.accepted_per_to.values()),
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "first_at": self.first_at,
                "last_at": self.last_at,
                "distinct_to": len(self.per_to),
                "max_concurrency": self.max_concurrency,
                "limit_429s": self.limit_429s,
                "max_concurrent": self._faults.max_concurrent,
                "latency": self._faults.latency,
                "lookups": self.lookups,
            }
            if per_to:
                data["per_to"] = dict(self.per_to)
                data["accepted_per_to"] = dict(self.accepted_per_to)
        return data

    # -- the server -----------------------------------------------------------
    def _enter(self) -> bool:
        """One more request of the account in flight; False (and counted as a
        429) when that is over the limit."""
        with self._lock:
            limit = self._faults.max_concurrent
            if limit and self.in_flight >= limit:
                self.limit_429s += 1
                return False
            self.in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self.in_flight)
            return True

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _decide(
        self, to: str, *, over_limit: bool = False, record: dict | None = None
    ) -> tuple[int, int, float | None, float]:
        """Status, error code, Retry-After and latency for one request; counts
        it, and keeps an accepted message for the list endpoint at once (the
        provider has it from now on, whatever happens to the caller)."""
        with self._lock:
            faults = self._faults
            self.total += 1
            self.per_to[to] += 1
            status, code, retry_after = 201, 0, None
            if over_limit:
                status, code = 429, 20429
            elif to in faults.numbers:
                status, code = faults.numbers[to]
            elif faults.first_count > 0:
                faults.first_count -= 1
                status, code = faults.first_status, faults.first_code
                retry_after = faults.retry_after
            elif to in faults.number_times and faults.number_times[to][0] > 0:
                faults.number_times[to][0] -= 1
                status, code = faults.number_times[to][1], faults.number_times[to][2]
            elif faults.burst is not None:
                burst = faults.burst
                position = burst.seen % burst.every
                burst.seen += 1
                if position < burst.length:
                    status, code = burst.status, burst.code
            self.by_status[status] += 1
            if status < 300:
                now = time.time()
                if record is not None:
                    self.sent_to.setdefault(to, []).append(record)
                self.accepted_per_to[to] += 1
                if self.first_at is None:
                    self.first_at = now
                self.last_at = now
            return status, code, retry_after, faults.latency

    async def _create(self, request: web.Request) -> web.Response:
        kind = "call" if request.path.endswith("/Calls.json") else "message"
        account = request.match_info["account_sid"]
        if not request.headers.get("Authorization", "").startswith("Basic ") or (
            self.account_sid and account != self.account_sid
        ):
            return self._error(401, 20003)
        form = await request.post()
        to = str(form.get("To", ""))
        entered = self._enter()
        try:
            return await self._answer(request, kind, account, form, to, over_limit=not entered)
        finally:
            if entered:
                self._leave()

    async def _answer(self, request, kind, account, form, to, *, over_limit) -> web.Response:
        prefix = "CA" if kind == "call" else "SM"
        sid = prefix + uuid.uuid4().hex
        now = format_datetime(datetime.now(UTC), usegmt=True)
        record = {
            "sid": sid,
            "to": to,
            "body": form.get("Body", ""),
            "status_callback": form.get("StatusCallback", ""),
            "date_created": now,
        }
        status, code, retry_after, latency = self._decide(
            to, over_limit=over_limit, record=record if kind == "message" else None
        )
        if latency and not over_limit:
            await asyncio.sleep(latency)
        if status >= 300:
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return self._error(status, code, headers=headers)
        body = resource_json(kind=kind, account=account, sid=sid, to=to, form=form, created=now)
        if not self.keep:
            return web.Response(status=201, text=json.dumps(body), content_type="application/json")
        with self._lock:
            self.messages.append(
                {
                    "sid": sid,
                    "kind": kind,
                    "to": to,
                    "body": form.get("Body", ""),
                    "from": form.get("From", ""),
                    "messaging_service_sid": form.get("MessagingServiceSid", ""),
                    "status_callback": form.get("StatusCallback", ""),
                    # Calls: what Twilio would read out, and answering machine detection.
                    "twiml": form.get("Twiml", ""),
                    "machine_detection": form.get("MachineDetection", ""),
                    "at": time.time(),
                }
            )
        return web.Response(status=201, text=json.dumps(body), content_type="application/json")

    async def _list(self, request: web.Request) -> web.Response:
        """GET Messages.json: the newest messages first, filtered on ``To``
        (and ``DateSent>=``/``DateSent<=`` by date, as Twilio does), one page
        of ``PageSize``. Counts towards the account's requests in flight."""
        account = request.match_info["account_sid"]
        if not request.headers.get("Authorization", "").startswith("Basic ") or (
            self.account_sid and account != self.account_sid
        ):
            return self._error(401, 20003)
        if not self._enter():
            with self._lock:
                self.total += 1
                self.by_status[429] += 1
            return self._error(429, 20429)
        try:
            with self._lock:
                self.lookups += 1
                faults = self._faults
                if faults.first_count > 0:
                    # fail_first counts every request, lookups included.
                    faults.first_count -= 1
                    self.total += 1
                    self.by_status[faults.first_status] += 1
                    return self._error(faults.first_status, faults.first_code)
                latency = faults.latency
                to = request.query.get("To", "")
                found = list(self.sent_to.get(to, [])) if to else []
            if latency:
                await asyncio.sleep(latency)
        finally:
            self._leave()
        page = list_page_json(account=account, records=found, query=request.query)
        return web.json_response(page)

    @staticmethod
    def _error(status: int, code: int, headers=None) -> web.Response:
        body = error_json(status=status, code=code)
        return web.Response(
            status=status, text=json.dumps(body), content_type="application/json", headers=headers
        )

    async def _stats(self, request: web.Request) -> web.Response:
        data = {"twilio": self.stats(per_to=request.query.get("per_to") == "1")}
        if self.smtp_sink is not None:
            data["smtp"] = self.smtp_sink.stats()
        return web.json_response(data)

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        if self.smtp_sink is not None:
            self.smtp_sink.reset()
        return web.json_response({"ok": True})

    async def _faults_view(self, request: web.Request) -> web.Response:
        try:
            self.configure(await request.json())
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(MESSAGE_PATH, self._create)
        app.router.add_get(MESSAGE_PATH, self._list)
        app.router.add_post(CALL_PATH, self._create)
        app.router.add_get("/__mock__/stats", self._stats)
        app.router.add_post("/__mock__/reset", self._reset)
        app.router.add_post("/__mock__/faults", self._faults_view)
        return app

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        # A deep backlog: the benchmark opens many connections at once.
        site = web.TCPSite(self._runner, self.host, self.port, backlog=2048, reuse_address=True)
        await site.start()

    def start(self) -> TwilioMock:
        """Listen in a background thread; returns when the port accepts connections."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to the caller of start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="twilio-mock", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def serve_forever(self, ready=None) -> None:
        """Run in the calling thread (the command line); ``ready()`` once listening."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        loop.run_until_complete(self._serve())
        if ready is not None:
            ready()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--twilio-port", "--port", type=int, default=8765)
    parser.add_argument("--smtp-port", type=int, default=0, help="0: no SMTP sink")
    parser.add_argument("--account-sid", default=None, help="default: any account")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds")
    parser.add_argument("--max-concurrent", type=int, default=DEFAULT_MAX_CONCURRENT)
    parser.add_argument("--smtp-latency", type=float, default=DEFAULT_SMTP_LATENCY)
    args = parser.parse_args(argv)
    sink = None
    if args.smtp_port:
        # Counting only: a 10,000-member run would otherwise keep every email.
        sink = SMTPSink(args.host, args.smtp_port, keep=False, latency=args.smtp_latency).start()
    twilio = TwilioMock(
        args.host,
        args.twilio_port,
        account_sid=args.account_sid,
        smtp_sink=sink,
        keep=False,
        latency=args.latency,
        max_concurrent=args.max_concurrent,
    )
    try:
        twilio.serve_forever(ready=lambda: print("READY", flush=True))
    except KeyboardInterrupt:
        pass
    finally:
        if sink is not None:
            sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
