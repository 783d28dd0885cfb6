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
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from benchmarks.mock_servers import free_port
from benchmarks.summary import machine_description, summary_build, summary_lines, summary_write

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench" + "0" * 27
FROM_NUMBER = "+3253606464"
TEXTS = {
    "nl": {
        "sms": "DRINGEND: inbraken in uw straat, sluit ramen en deuren en meld verdachte zaken.",
        "subject": "Dringend: inbraken in uw buurt",
        "body": "Er zijn vanavond inbraken gemeld in uw straat. Sluit ramen en deuren.",
    },
    "fr": {
        "sms": "URGENT : cambriolages dans votre rue, fermez portes et fenêtres.",
        "subject": "Urgent : cambriolages dans votre quartier",
        "body": "Des cambriolages ont été signalés ce soir dans votre rue.",
    },
}
CLIENTS = 10  # concurrent clients of the alert POST and the status callbacks


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


def session_for(user) -> requests.Session:
    """A logged-in browser session (session row + CSRF cookie), past the MFA gate:
    the user has a TOTP authenticator, which is what RequireMFAMiddleware checks."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = _get_new_csrf_string()
    session = requests.Session()
    session.trust_env = False
    # The cookies are Secure in production; set by hand for plain-HTTP loopback.
    session.headers["Cookie"] = (
        f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )
    session.headers["X-CSRFToken"] = csrf
    return session


# --- the measurements ---------------------------------------------------------------


def mock_stats(control: str) -> dict:
    return requests.get(f"{control}/__mock__/stats", timeout=10).json()


def measure_fanout(data: dict, control: str, expected: int, stall: float = 60) -> dict:
    """Publish an urgent alert to the big network; wait until the mocks accepted
    ``expected`` deliveries. Times are the mocks' receipt times."""
    from django.db.models import Count

    from messaging.models import Delivery, Message
    from messaging.services.drafts import message_draft_save
    from messaging.services.lifecycle import message_publish

    requests.post(f"{control}/__mock__/reset", timeout=10)
    message = message_draft_save(
        created_by=data["officer"],
        networks=[data["big"]],
        kind=Message.Kind.URGENT,
        by_sms=True,
        by_email=True,
        texts=TEXTS,
    )
    started = time.time()
    message_publish(message=message, published_by=data["officer"])
    published = time.time()
    # Give up only when nothing moves for ``stall`` seconds: a busy machine is
    # slow, a broken pipeline is stuck.
    accepted, progress_at = 0, time.monotonic()
    while time.monotonic() - progress_at < stall:
        stats = mock_stats(control)
        now_accepted = stats["twilio"]["accepted"] + stats["smtp"]["accepted"]
        if now_accepted != accepted:
            accepted, progress_at = now_accepted, time.monotonic()
        if accepted >= expected:
            break
        time.sleep(0.05)
    stats = mock_stats(control)
    firsts = [s["first_at"] for s in (stats["twilio"], stats["smtp"]) if s["first_at"]]
    lasts = [s["last_at"] for s in (stats["twilio"], stats["smtp"]) if s["last_at"]]
    # Let the worker record the last outcomes before counting rows.
    time.sleep(1)
    by_status = dict(
        Delivery.objects.filter(message=message)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "message": message,
        "deliveries": accepted,
        "complete": accepted >= expected,
        "seconds": (max(lasts) - started) if lasts else 0.0,
        "first": (min(firsts) - started) if firsts else None,
        "publish_call_seconds": published - started,
        "by_status": by_status,
        "twilio_requests": stats["twilio"]["total"],
    }


def _raw_worker(items, barrier, results) -> None:
    """One process of the raw loop: the gateway's client and an SMTP connection."""
    import django

    django.setup()
    from django.core.mail import EmailMessage, get_connection

    from outbox.gateways import get_sms_gateway
    from outbox.gateways.base import OutgoingSMS

    gateway = get_sms_gateway()
    mail = get_connection()
    mail.open()
    barrier.wait(timeout=120)  # everyone set up: the clock starts
    sent = 0
    try:
        for channel, to, text in items:
            if channel == "sms":
                gateway.send_sms(OutgoingSMS(to=to, body=text))
            else:
                EmailMessage(subject="Dringend", body=text, to=[to], connection=mail).send()
            sent += 1
    finally:
        mail.close()
        results.put(sent)


def measure_raw(members: int, processes: int, control: str) -> dict:
    """The same number of sends, no platform: ``processes`` plain loops (as many
    as the worker has pool processes), each with the gateway's Twilio client and
    one SMTP connection, to the same mocks."""
    requests.post(f"{control}/__mock__/reset", timeout=10)
    text = TEXTS["nl"]["sms"] + " http://127.0.0.1/m/1.1.abcdefabcdef/"
    items = []
    for i in range(members):
        items.append(("sms", f"+3247{i:07d}", text))
        items.append(("email", f"member{i}@bench.example.org", TEXTS["nl"]["body"]))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = [
        ctx.Process(target=_raw_worker, args=(items[k::processes], barrier, results))
        for k in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=120)
        started = time.time()
        sent = sum(results.get(timeout=600) for _ in workers)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    stats = mock_stats(control)
    lasts = [s["last_at"] for s in (stats["twilio"], stats["smtp"]) if s["last_at"]]
    return {"requests": sent, "seconds": (max(lasts) - started) if lasts else 0.0}


def _timed(session: requests.Session, method: str, url: str, **kwargs) -> tuple[float, int]:
    began = time.perf_counter()
    response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
    return (time.perf_counter() - began) * 1000, response.status_code


def measure_member_list(base: str, session: requests.Session, requests_count: int) -> list[float]:
    """The coordinator's member list of the big network, one client, the pages a
    coordinator opens most: first page, a later page, a search, a street filter."""
    paths = ["", "?page=5", "?q=Naam0001", "?street=Straat%203", "?sort=street"]
    url = f"{base}/manage/networks/bench/members/"
    for path in paths:  # warm-up: the first request of each gunicorn worker
        _timed(session, "GET", url + path)
    timings = []
    for i in range(requests_count):
        ms, status = _timed(session, "GET", url + paths[i % len(paths)])
        if status != 200:
            raise RuntimeError(f"member list answered {status}")
        timings.append(ms)
    return timings


def measure_alert_post(base: str, data: dict, network, count: int) -> list[float]:
    """The officer publishes ``count`` drafts to ``network``, CLIENTS at a time."""
    from messaging.models import Message
    from messaging.services.drafts import message_draft_save

    drafts = [
        message_draft_save(
            created_by=data["officer"],
            networks=[network],
            kind=Message.Kind.URGENT,
            by_sms=True,
            by_email=True,
            texts=TEXTS,
        ).pk
        for _ in range(count)
    ]
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = session_for(data["officer"])
        return local.session

    def publish(pk: int) -> float:
        ms, status = _timed(session(), "POST", f"{base}/manage/messages/{pk}/publish/")
        if status != 302:
            raise RuntimeError(f"publish answered {status}")
        return ms

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(lambda _: session(), range(CLIENTS * 2)))
        timings = list(pool.map(publish, drafts))
    published = Message.objects.filter(pk__in=drafts, status=Message.Status.PUBLISHED).count()
    if published != count:
        raise RuntimeError(f"only {published} of {count} drafts published")
    return timings


def measure_callbacks(base: str, public_base: str, message, limit: int) -> dict:
    """Signed 'delivered' status callbacks for the SMS of the fan-out, CLIENTS at a time."""
    from twilio.request_validator import RequestValidator

    from messaging.models import Delivery

    sids = list(
        Delivery.objects.filter(message=message, channel="sms")
        .exclude(provider_id="")
        .values_list("provider_id", flat=True)[:limit]
    )
    validator = RequestValidator(AUTH_TOKEN)
    path = "/webhooks/twilio/status/"
    local = threading.local()

    def post(sid: str) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.trust_env = False
        params = {
            "MessageSid": sid,
            "MessageStatus": "delivered",
            "AccountSid": ACCOUNT_SID,
            "To": "+32470000000",
        }
        signature = validator.compute_signature(public_base + path, params)
        response = local.session.post(
            base + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        return response.status_code

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(post, sids))
    seconds = time.perf_counter() - began
    bad = [s for s in statuses if s != 204]
    if bad:
        raise RuntimeError(f"{len(bad)} callbacks refused, e.g. {bad[0]}")
    delivered = Delivery.objects.filter(
        message=message, channel="sms", status=Delivery.Status.DELIVERED
    ).count()
    return {"count": len(sids), "seconds": seconds, "delivered": delivered}


# --- the run -------------------------------------------------------------------------


def run(args) -> dict:
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bin_bench"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    concurrency = args.concurrency or int(
        os.environ.get("BENCH_WORKER_CONCURRENCY", 0) or 2 * (os.cpu_count() or 1)
    )
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

        children.start(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "bin_platform", "worker",
                "-Q", "urgent,default", "--concurrency", str(concurrency),
                "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--hostname", f"bench-{os.getpid()}@%h",
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
        children.wait_for_log("worker", "ready.")
        children.wait_for_log("web", "Booting worker")
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/healthz/", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer:\n" + children.log_of("web")[-3000:])
            time.sleep(0.2)
        log(f"worker: prefork, {concurrency} processes; gunicorn: {web_workers} workers")

        expected = 2 * args.members
        fanout = measure_fanout(data, control, expected)
        if not fanout["complete"]:
            raise RuntimeError(
                f"only {fanout['deliveries']} of {expected} deliveries accepted; "
                f"rows: {fanout['by_status']}\n{children.log_of('worker')[-3000:]}"
            )
        log(
            f"fan-out: {fanout['deliveries']} deliveries in {fanout['seconds']:.2f} s, "
            f"first after {fanout['first']:.3f} s; rows {fanout['by_status']}"
        )

        raw = measure_raw(args.members, concurrency, control)
        log(f"raw loop: {raw['requests']} requests in {raw['seconds']:.2f} s")

        coordinator = session_for(data["coordinator"])
        member_list = measure_member_list(base, coordinator, args.page_requests)
        log(f"member list: {len(member_list)} requests")

        callbacks = measure_callbacks(base, base, fanout["message"], args.callbacks)
        log(f"callbacks: {callbacks['count']} in {callbacks['seconds']:.2f} s")

        # Publishing queues a fan-out per message: the worker stops first so the
        # POSTs are timed on their own (what a publish costs the web request).
        children.stop("worker")
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
            extra={
                "publish_call_seconds": round(fanout["publish_call_seconds"], 4),
                "worker_concurrency": concurrency,
                "web_workers": web_workers,
                "machine": machine_description(),
            },
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="BIN Platform benchmark (see BENCHMARKS.md)")
    parser.add_argument("--members", "-n", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=0, help="worker processes")
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument("--posts", type=int, default=200, help="alert POSTs per audience")
    parser.add_argument("--callbacks", type=int, default=5000, help="most status callbacks")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    summary = run(args)
    for line in summary_lines(summary):
        print(line)
    path = summary_write(summary, RESULTS)
    print(f"written to {path.relative_to(ROOT)}")
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
