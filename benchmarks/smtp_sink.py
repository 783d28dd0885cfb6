"""An SMTP sink for ``make bench`` and the integration tests, and the small
server base it shares with the Twilio mock (benchmarks/mock_servers.py).

``SMTPSink`` is an aiosmtpd server that accepts every message after
``latency`` seconds (default 20 ms, a real server's pace; 0 for none) and
counts messages and recipients (with the time each was received).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections import Counter

__all__ = ["DEFAULT_SMTP_LATENCY", "SMTPSink", "free_port"]

# Seconds a mail server takes to accept one message (the provider model).
DEFAULT_SMTP_LATENCY = 0.02


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class _Server:
    """An asyncio server on its own loop in a daemon thread."""

    host: str
    port: int

    def __init__(self, host: str, port: int | None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class _SinkHandler:
    def __init__(self, sink: SMTPSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.latency:
            # A real server takes its time to accept a message.
            await asyncio.sleep(self.sink.latency)
        self.sink._record(envelope)
        return "250 Message accepted for delivery"


class SMTPSink(_Server):
    """An SMTP server that accepts and counts everything (keeps messages if asked)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        keep: bool = True,
        latency: float = DEFAULT_SMTP_LATENCY,
    ) -> None:
        super().__init__(host, port)
        self.keep = keep
        self.latency = latency
        self._controller = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.recipients = 0
            self.per_rcpt: Counter[str] = Counter()
            self.messages: list[dict] = []
            self.first_at: float | None = None
            self.last_at: float | None = None

    def _record(self, envelope) -> None:
        now = time.time()
        with self._lock:
            self.total += 1
            self.recipients += len(envelope.rcpt_tos)
            for rcpt in envelope.rcpt_tos:
                self.per_rcpt[rcpt.lower()] += 1
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
            if self.keep:
                self.messages.append(
                    {
                        "from": envelope.mail_from,
                        "to": list(envelope.rcpt_tos),
                        "data": envelope.content,
                        "at": now,
                    }
                )

    def count_for(self, address: str) -> int:
        return self.per_rcpt[address.lower()]

    def set_latency(self, seconds: float) -> None:
        """Wait this long before accepting each message."""
        self.latency = max(float(seconds), 0.0)

    def stats(self) -> dict:
        with self._lock:
            return {
                "total": self.total,
                "accepted": self.total,
                "recipients": self.recipients,
                "first_at": self.first_at,
                "last_at": self.last_at,
            }

    def start(self) -> SMTPSink:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO: thousands of lines per run.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(
            _SinkHandler(self),
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
            # Big alert runs: no per-session limit on commands.
            command_call_limit=None,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
