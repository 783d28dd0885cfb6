"""``make bench``: an urgent SMS + email alert to N members through the real
pipeline, the raw limit of the same clients, and page timings.

    python -m benchmarks.run --members 10000

Starts, as child processes: the mocks (benchmarks/mock_servers.py), a Celery
worker and gunicorn, all on benchmarks.settings (production settings with
the mocks as providers), a database of its own (BENCH_DATABASE_URL, created
and dropped here) and a Redis database of its own (BENCH_REDIS_URL, flushed
before and after). Everything is stopped and dropped again, also on failure
or Ctrl-C. See BENCHMARKS.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from benchmarks.measure import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    ZERO_LATENCY,
    measure_alert_post,
    measure_callbacks,
    measure_fanout,
    measure_member_list,
    measure_raw,
    session_for,
)
from benchmarks.mock_servers import free_port
from benchmarks.summary import (
    machine_description,
    provider_summary,
    summary_build,
    summary_lines,
    summary_write,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {text}", flush=True)


# --- child processes -----------------------------------------------------------


class Children:
    """The processes this run started; each in its own process group so that a
    worker's pool processes stop with it."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        out = (self.logdir / f"{name}.log").open("w")
        proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def log_of(self, name: str) -> str:
        path = self.logdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_of(name):
            if self.procs[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{self.log_of(name)[-3000:]}")
            time.sleep(0.1)

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)


# --- database and Redis -------------------------------------------------------


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def database_recreate(database_url: str, *, drop_only: bool = False) -> None:
    import psycopg2
    from psycopg2 import sql

    admin, name = _admin_url(database_url)
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if not drop_only:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def redis_flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- data ------------------------------------------------------------------------


def seed(members: int) -> dict:
    """A zone, a network of ``members`` active members (SMS and email each), a
    small network of 10, its officer and coordinator, with TOTP set up."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from members.models import Member
    from networks.models import Municipality, Network, PoliceZone, Role, RoleAssignment, Street

    zone = PoliceZone.objects.create(name="Zone Bench", number="5999", country="BE")
    town = Municipality.objects.create(
        name="Benchgem", official_code="49999", police_zone=zone, province="Oost-Vlaanderen"
    )

    def network(slug: str, size: int, offset: int) -> Network:
        net = Network.objects.create(
            name=f"BIN {slug}",
            slug=slug,
            municipality=town,
            police_zone=zone,
            country="BE",
            status=Network.Status.ACTIVE,
            languages=["nl", "fr"],
        )
        streets = [f"Straat {i}" for i in range(20)]
        Street.objects.bulk_create(
            Street(network=net, name=name, postcode="9340") for name in streets
        )
        Member.objects.bulk_create(
            (
                Member(
                    network=net,
                    first_name=f"Voornaam{i}",
                    last_name=f"Naam{i:06d}",
                    street=streets[i % len(streets)],
                    house_number=str(i % 300 + 1),
                    postcode="9340",
                    email=f"member{offset + i}@bench.example.org",
                    mobile_phone=f"+3247{offset + i:07d}",
                    language="fr" if i % 4 == 0 else "nl",
                    status=Member.Status.ACTIVE,
                    by_sms=True,
                    by_email=True,
                )
                for i in range(size)
            ),
            batch_size=2000,
        )
        return net

    big = network("bench", members, 0)
    small = network("bench-small", 10, members)

    def user(email: str, role: str, **scope) -> User:
        # No password: the benchmark logs in through a session row.
        u = User.objects.create_user(email=email, password=None)
        EmailAddress.objects.create(user=u, email=email, primary=True, verified=True)
        RoleAssignment.objects.create(user=u, role=role, **scope)
        TOTP.activate(u, generate_totp_secret())
        return u

    officer = user("officer@bench.example.org", Role.OFFICER, police_zone=zone)
    coordinator = user("coordinator@bench.example.org", Role.COORDINATOR, network=big)
    return {"big": big, "small": small, "officer": officer, "coordinator": coordinator}


# --- the run -------------------------------------------------------------------------


def run(args) -> dict:
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bin_bench"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    concurrency = args.concurrency or int(
        os.environ.get("BENCH_WORKER_CONCURRENCY", 0) or 2 * (os.cpu_count() or 1)
    )
    # Worker nodes (separate `celery worker` processes with their own names,
    # as on separate hosts) share the pool processes and the provider's limit.
    nodes = max(1, args.workers)
    per_node = max(1, concurrency // nodes)
    sms_in_flight = int(os.environ.get("BENCH_MAX_IN_FLIGHT", 100))
    email_in_flight = int(os.environ.get("EMAIL_MAX_IN_FLIGHT", 10))
    web_workers = int(os.environ.get("BENCH_WEB_CONCURRENCY", 3))
    twilio_port, smtp_port, web_port = free_port(), free_port(), free_port()
    control = f"http://127.0.0.1:{twilio_port}"
    base = f"http://127.0.0.1:{web_port}"
    logdir = Path(tempfile.mkdtemp(prefix="bin-bench-"))

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": base,
        "TWILIO_WEBHOOK_BASE_URL": "",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "BENCH_TWILIO_BASE_URL": control,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_BACKEND": "",
        "REPLY_TO_DOMAIN": "replies.bench.example.org",
        "BENCH_MAX_IN_FLIGHT": str(sms_in_flight),
        "EMAIL_MAX_IN_FLIGHT": str(email_in_flight),
        "OUTBOX_LIMITER_URL": redis_url,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    os.environ.update(env)
    children = Children(logdir)
    with contextlib.ExitStack() as cleanup:
        log(f"logs of the child processes in {logdir}")
        cleanup.callback(children.stop_all)
        children.start(
            "mocks",
            [
                sys.executable, "-m", "benchmarks.mock_servers",
                "--twilio-port", str(twilio_port), "--smtp-port", str(smtp_port),
            ],
            env,
        )  # fmt: skip
        children.wait_for_log("mocks", "READY")

        log(f"database {urlsplit(database_url).path.lstrip('/')} and Redis {redis_url}")
        database_recreate(database_url)
        if not args.keep:
            cleanup.callback(database_recreate, database_url, drop_only=True)
        redis_flush(redis_url)
        cleanup.callback(redis_flush, redis_url)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        cleanup.callback(connection.close)
        began = time.monotonic()
        data = seed(args.members)
        # A live database has planner statistics (autovacuum); a freshly
        # bulk-loaded one has none, and its plans would be a bench artefact.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"{args.members} members created in {time.monotonic() - began:.1f} s")

        workers = [f"worker{n}" if nodes > 1 else "worker" for n in range(1, nodes + 1)]
        for name in workers:
            children.start(
                name,
                [
                    sys.executable, "-m", "celery", "-A", "bin_platform", "worker",
                    "-Q", "urgent,default", "--concurrency", str(per_node),
                    "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "--hostname", f"bench-{name}-{os.getpid()}@%h",
                ],
                env,
            )  # fmt: skip
        children.start(
            "web",
            [
                sys.executable, "-m", "gunicorn", "bin_platform.wsgi:application",
                "--bind", f"127.0.0.1:{web_port}", "--workers", str(web_workers),
                "--timeout", "120", "--logger-class",
                "bin_platform.gunicorn_logging.MaskingLogger",
            ],
            env,
        )  # fmt: skip
        for name in workers:
            children.wait_for_log(name, "ready.")
        children.wait_for_log("web", "Booting worker")
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/healthz/", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer:\n" + children.log_of("web")[-3000:])
            time.sleep(0.2)
        log(
            f"workers: {nodes} node(s) x {per_node} prefork processes, up to "
            f"{sms_in_flight} SMS and {email_in_flight} emails in flight in all; "
            f"gunicorn: {web_workers} workers"
        )

        expected = 2 * args.members

        def alert(model, label):
            fanout = measure_fanout(data, control, expected, model=model)
            if not fanout["complete"]:
                raise RuntimeError(
                    f"{label}: only {fanout['deliveries']} of {expected} deliveries accepted; "
                    f"rows: {fanout['by_status']}\n{children.log_of(workers[0])[-3000:]}"
                )
            log(
                f"fan-out ({label}): {fanout['deliveries']} deliveries in "
                f"{fanout['seconds']:.2f} s, first after {fanout['first']:.3f} s; "
                f"429s {fanout['provider_429s']}, most in flight at the provider "
                f"{fanout['max_concurrency']}; rows {fanout['by_status']}"
            )
            return fanout

        if args.provider_model_only:
            # A quick look at the sending model alone (e.g. to compare
            # MESSAGING_SEND_THREADS): no zero-latency alert, raw loop or pages.
            provider = provider_summary(
                alert(None, "provider model"), members=args.members, workers=nodes
            )
            return {"provider_model": provider, "machine": machine_description()}
        fanout = alert(ZERO_LATENCY, "zero latency")
        provider = None
        if not args.no_provider_model:
            provider = provider_summary(
                alert(None, "provider model"), members=args.members, workers=nodes
            )

        raw = measure_raw(
            args.members,
            concurrency,
            control,
            sms_in_flight=sms_in_flight,
            email_in_flight=email_in_flight,
        )
        log(f"raw loop: {raw['requests']} requests in {raw['seconds']:.2f} s")

        coordinator = session_for(data["coordinator"])
        member_list = measure_member_list(base, coordinator, args.page_requests)
        log(f"member list: {len(member_list)} requests")

        callbacks = measure_callbacks(base, base, fanout["message"], args.callbacks)
        log(f"callbacks: {callbacks['count']} in {callbacks['seconds']:.2f} s")

        # Publishing queues a fan-out per message: the worker stops first so the
        # POSTs are timed on their own (what a publish costs the web request).
        for name in workers:
            children.stop(name)
        alert_post = measure_alert_post(base, data, data["big"], args.posts)
        alert_post_small = measure_alert_post(base, data, data["small"], args.posts)
        log(f"alert POST: {len(alert_post)} + {len(alert_post_small)} requests")

        summary = summary_build(
            members=args.members,
            fanout_deliveries=fanout["deliveries"],
            fanout_seconds=fanout["seconds"],
            first_delivery_seconds=fanout["first"],
            raw_requests=raw["requests"],
            raw_seconds=raw["seconds"],
            member_list_ms=member_list,
            alert_post_ms=alert_post,
            alert_post_small_ms=alert_post_small,
            callbacks=callbacks["count"],
            callbacks_seconds=callbacks["seconds"],
            provider_model=provider,
            extra={
                "publish_call_seconds": round(fanout["publish_call_seconds"], 4),
                "worker_concurrency": concurrency,
                "worker_nodes": nodes,
                "sms_max_in_flight": sms_in_flight,
                "email_max_in_flight": email_in_flight,
                "web_workers": web_workers,
                "machine": machine_description(),
            },
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="BIN Platform benchmark (see BENCHMARKS.md)")
    parser.add_argument("--members", "-n", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=0, help="worker processes in all")
    parser.add_argument("--workers", type=int, default=1, help="worker nodes sharing them")
    parser.add_argument(
        "--no-provider-model", action="store_true", help="only the zero-latency alert"
    )
    parser.add_argument(
        "--provider-model-only", action="store_true", help="only the provider-model alert"
    )
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument("--posts", type=int, default=200, help="alert POSTs per audience")
    parser.add_argument("--callbacks", type=int, default=5000, help="most status callbacks")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    summary = run(args)
    if args.provider_model_only:
        print(json.dumps(summary), flush=True)
        return 0
    for line in summary_lines(summary):
        print(line)
    path = summary_write(summary, RESULTS)
    print(f"written to {path.relative_to(ROOT)}")
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
