"""Real components for integration tests: an SMTP server on loopback and a
Celery worker process, sharing the PostgreSQL test database. Every test that
runs a worker runs twice, once with Redis and once with RabbitMQ as the
broker (the ``broker`` fixture), as deployments may use either.

The fault-injection tests (test_faults.py) add their own pieces: a private
redis-server to stop and start, worker processes to kill -9 and restart, and
the database connections of a worker to cut. They never touch the shared
Redis or PostgreSQL server, only the test database and private processes, so
they can run next to other tests and in parallel pytest workers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import kombu.pools
import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from benchmarks.mock_servers import free_port
from bin_platform.brokers import broker_options
from tests.conftest import missing
from tests.integration.brokers import RABBITMQ_HOST, RABBITMQ_PORT, RABBITMQCTL, RabbitMQBroker

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Mailbox:
    """What the loopback SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    try:
        yield mailbox
    finally:
        controller.stop()


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(
    require_postgres, transactional_db, redis_url, broker, smtp_server, tmp_path
):
    """A real `celery worker` process on the test database, the broker under
    test (Redis or RabbitMQ) and the SMTP server.

    The test process publishes for real (eager mode off) while it runs.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bin_platform.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        # SMS land as files in var/outbox/, which the test process reads.
        "SMS_GATEWAY": "outbox.gateways.file.FileSMSGateway",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log, celery_broker(broker.url):
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "bin_platform", "worker",
                "--loglevel", "INFO", "--pool", "solo", "-Q", "urgent,default",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--hostname", f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            # Wait until the worker consumes: the log says "ready".
            deadline = time.monotonic() + 60
            while "ready." not in log_path.read_text():
                if worker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("worker did not start:\n" + log_path.read_text(), pytrace=False)
                time.sleep(0.2)
            worker.log_path = log_path
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()


# --- Fault injection ---------------------------------------------------------


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    tick: Callable[[], None] | None = None,
    every: float = 0.05,
    diagnostics: Callable[[], str] | None = None,
) -> float:
    """Poll ``condition`` until it holds; fail with a clear message after
    ``timeout`` seconds (the suite has no pytest-timeout). ``tick`` runs on
    every round (a simulated beat). Returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = f"\n{diagnostics()}" if diagnostics else ""
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}{detail}", pytrace=False)
        if tick is not None:
            tick()
        time.sleep(every)
    return time.monotonic() - started


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A private redis-server on a free loopback port: a broker a test may
    stop and start again without touching the shared one. Nothing is kept on
    disk, so a restart loses every queued task, as a real outage can."""

    kind = "redis"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        import redis

        self.starts += 1
        log = self.directory / f"redis-{self.port}-{self.starts}.log"
        self.process = subprocess.Popen(
            [
                REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
                "--logfile", str(log),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while self.process.poll() is None and time.monotonic() < deadline:
                with suppress(redis.ConnectionError):
                    client.ping()
                    return
                time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        text = log.read_text() if log.exists() else ""
        raise RuntimeError(f"redis-server on port {self.port} did not start:\n{text}")

    def stop(self) -> None:
        """Stop at once (SIGKILL): to the clients, the broker just vanishes."""
        if self.running:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    if not Path(REDIS_SERVER).exists():
        missing("redis-server (the Debian package redis-server)")
    server = RedisServer(tmp_path)
    for attempt in range(3):
        try:
            server.start()
            break
        except RuntimeError:
            # Another process took the free port in between: take another.
            if attempt == 2:
                raise
            server.port = free_port()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rabbitmq_broker() -> Iterator[RabbitMQBroker]:
    if not Path(RABBITMQCTL).exists():
        missing("rabbitmqctl (the Debian package rabbitmq-server)")
    with socket.socket() as probe:
        probe.settimeout(2)
        if probe.connect_ex((RABBITMQ_HOST, RABBITMQ_PORT)) != 0:
            missing(f"RabbitMQ at {RABBITMQ_HOST}:{RABBITMQ_PORT} (rabbitmq-server -detached)")
    broker = RabbitMQBroker()
    try:
        broker.create()
    except subprocess.CalledProcessError as exc:
        missing(f"rabbitmqctl could not create a virtual host: {exc.stderr!r}")
    try:
        yield broker
    finally:
        broker.delete()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request):
    """The broker under test, private to the test: its own redis-server, or
    its own RabbitMQ virtual host. Both have ``url``, ``stop()`` and
    ``start()``; a test that is about one of them parametrizes
    ``broker`` indirectly with that one only."""
    if request.param == "redis":
        return request.getfixturevalue("private_redis")
    return request.getfixturevalue("rabbitmq_broker")


@contextmanager
def celery_broker(url: str) -> Iterator:
    """Point this process's Celery app at another broker, publishing for real."""
    from bin_platform.celery import app

    def forget_connections() -> None:
        # Close every pooled broker connection and drop the pools, kombu's
        # shared ones included: the next publish opens a new one to the
        # broker configured then.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    def forget_queues() -> None:
        # Celery caches the queues and routes it built from the configuration.
        for name in ("queues", "default_queue", "router"):
            app.amqp.__dict__.pop(name, None)
        app.amqp._rtable = None

    # Celery reads these from the environment before its configuration.
    names = ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL")
    saved_env = {name: os.environ.pop(name) for name in names if name in os.environ}
    # The queues and transport options follow the broker, as in the settings:
    # the worker declared RabbitMQ's queues as quorum queues, a publish must too.
    conf = {"broker_url": url, "task_always_eager": False}
    conf |= broker_options(url, var_dir=ROOT / "var").as_conf()
    saved = {name: app.conf[name] for name in conf}
    forget_connections()
    app.conf.update(conf)
    forget_queues()
    try:
        yield app
    finally:
        forget_connections()
        app.conf.update(saved)
        forget_queues()
        os.environ.update(saved_env)


@pytest.fixture
def private_broker(broker) -> Iterator:
    with celery_broker(broker.url) as app:
        yield app


class CeleryWorker:
    """A `celery worker` process that a test can kill -9 and start again.

    It runs in its own session (process group), so a kill takes its pool
    children with it, and it connects to the database under its own
    application_name, so a test can cut exactly its connections.
    """

    def __init__(self, *, env: dict[str, str], directory: Path, pool: str, name: str) -> None:
        self.env = env
        self.directory = directory
        self.pool = pool
        self.name = name
        self.process: subprocess.Popen | None = None
        self.logs: list[Path] = []

    @property
    def application_name(self) -> str:
        return self.name

    def start(self, timeout: float = 60.0) -> None:
        log_path = self.directory / f"{self.name}-{len(self.logs) + 1}.log"
        self.logs.append(log_path)
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "bin_platform", "worker",
                    "--loglevel", "INFO", "--pool", self.pool, "--concurrency", "1",
                    "-Q", "urgent,default",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--hostname", f"{self.name}-{len(self.logs)}@%h",
                ],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while "ready." not in log_path.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"worker did not start:\n{self.log_text()}", pytrace=False)
            time.sleep(0.1)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 the worker and its pool children, as a crash or the OOM killer would."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test nothing it holds matters: no warm shutdown."""
        self.kill()

    def pool_children(self) -> list[int]:
        """The process ids of the worker's pool processes (prefork)."""
        if not self.running:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError, ValueError, IndexError):
                # pid (comm) state ppid ...: comm may hold spaces, split after it.
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return children

    def kill_pool_children(self) -> None:
        """kill -9 the pool processes only: the worker itself lives on."""
        for pid in self.pool_children():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in self.logs if p.exists())


TWILIO_ACCOUNT_SID = "AC" + "f" * 32


@pytest.fixture
def twilio_mock():
    """Twilio's Messages API on loopback (benchmarks/mock_servers.py), with
    the provider model (200 ms per request, 100 in flight per account):
    counts what each number received and its highest concurrency, and fails
    on demand (429/5xx bursts, numbers that are permanently wrong)."""
    from benchmarks.mock_servers import TwilioMock

    with TwilioMock(account_sid=TWILIO_ACCOUNT_SID) as mock:
        yield mock


@pytest.fixture
def smtp_sink():
    """An SMTP server on loopback that counts what each address received."""
    from benchmarks.smtp_sink import SMTPSink

    with SMTPSink() as sink:
        yield sink


@pytest.fixture
def worker_factory(
    require_postgres, transactional_db, broker, private_redis, twilio_mock, smtp_sink, tmp_path
):
    """Start worker processes on the test database and the private broker,
    sending SMS through the real Twilio gateway to the mock and email to the
    SMTP sink; ``env`` adds or overrides settings from the environment.
    Every worker started is stopped at the end of the test."""
    workers: list[CeleryWorker] = []

    def start(
        *, pool: str = "solo", env: dict[str, str] | None = None, gateway: dict | None = None
    ) -> CeleryWorker:
        """``gateway``: more OPTIONS of the Twilio gateway (its max_in_flight
        is the mock's default limit, 100, unless given)."""
        name = f"bin-worker-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        options = {"base_url": twilio_mock.url, "timeout": 5, "max_in_flight": 100}
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bin_platform.settings.test",
            "DATABASE_URL": f"{_database_url()}?application_name={name}",
            "CELERY_BROKER_URL": broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"smtp://{smtp_sink.host}:{smtp_sink.port}",
            "SMS_GATEWAY": "outbox.gateways.twilio.TwilioSMSGateway",
            "SMS_GATEWAY_OPTIONS": json.dumps({**options, **(gateway or {})}),
            # The account's shared limits live in the test's own Redis.
            "OUTBOX_LIMITER_URL": private_redis.url,
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": "fault-injection-token",
            "TWILIO_MESSAGING_SERVICE_SID": "",
            "TWILIO_FROM_NUMBER": "+3253606464",
            **(env or {}),
        }
        worker = CeleryWorker(env=worker_env, directory=tmp_path, pool=pool, name=name)
        workers.append(worker)
        worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


def database_connections_count(*, application_name: str) -> int:
    """The test database's connections opened under ``application_name`` now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        return cursor.fetchone()[0]


def database_connections_terminate(*, application_name: str) -> int:
    """Cut the test database's connections opened under ``application_name``
    (a worker's), as a failover or a restarted server would; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s "
            "AND pid <> pg_backend_pid()",
            [application_name],
        )
        return sum(1 for (done,) in cursor.fetchall() if done)
