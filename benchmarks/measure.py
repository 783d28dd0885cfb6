"""The measurements of ``make bench`` (benchmarks/run.py): the fan-out of an
urgent alert, the raw loop of the same clients, the page timings (member list,
alert POST) and the signed status callbacks, plus the logged-in sessions and the
constants they share with the run."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

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


# --- sessions ----------------------------------------------------------------------


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


# The mocks answering at once with no limit: what the platform itself costs.
ZERO_LATENCY = {"set_latency": 0, "set_max_concurrent": 0, "set_smtp_latency": 0}


def mock_stats(control: str) -> dict:
    return requests.get(f"{control}/__mock__/stats", timeout=10).json()


def mock_reset(control: str, model: dict | None = None) -> None:
    """Counters to zero and the provider model the mocks started with, then
    ``model`` (e.g. ZERO_LATENCY) if given."""
    requests.post(f"{control}/__mock__/reset", timeout=10).raise_for_status()
    if model:
        requests.post(f"{control}/__mock__/faults", json=model, timeout=10).raise_for_status()


def measure_fanout(
    data: dict, control: str, expected: int, stall: float = 60, model: dict | None = None
) -> dict:
    """Publish an urgent alert to the big network; wait until the mocks accepted
    ``expected`` deliveries. Times are the mocks' receipt times."""
    from django.db.models import Count

    from messaging.models import Delivery, Message
    from messaging.services.drafts import message_draft_save
    from messaging.services.lifecycle import message_publish

    mock_reset(control, model)
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
    twilio, smtp = stats["twilio"], stats["smtp"]

    def since(at):
        return (at - started) if at else None

    return {
        "message": message,
        "deliveries": accepted,
        "complete": accepted >= expected,
        "seconds": (max(lasts) - started) if lasts else 0.0,
        "first": (min(firsts) - started) if firsts else None,
        "publish_call_seconds": published - started,
        "by_status": by_status,
        "twilio_requests": twilio["total"],
        "sms": twilio["accepted"],
        "sms_seconds": since(twilio["last_at"]),
        "email": smtp["accepted"],
        "email_seconds": since(smtp["last_at"]),
        "provider_429s": twilio["by_status"].get("429", 0),
        "max_concurrency": twilio["max_concurrency"],
        "latency": twilio["latency"],
        "max_concurrent": twilio["max_concurrent"],
    }


def _raw_worker(items, threads, barrier, results) -> None:
    """One process of the raw loop: the gateway's client shared by its SMS
    threads, one SMTP connection per email thread."""
    import django

    django.setup()
    from django.core.mail import EmailMessage, get_connection

    from outbox.gateways import get_sms_gateway
    from outbox.gateways.base import OutgoingSMS

    gateway = get_sms_gateway()
    local = threading.local()
    opened = []

    def send(item) -> None:
        channel, to, text = item
        if channel == "sms":
            gateway.send_sms(OutgoingSMS(to=to, body=text))
            return
        if not hasattr(local, "mail"):
            local.mail = get_connection()
            local.mail.open()
            opened.append(local.mail)
        EmailMessage(subject="Dringend", body=text, to=[to], connection=local.mail).send()

    by_channel = {c: [i for i in items if i[0] == c] for c in ("sms", "email")}
    pools = {c: ThreadPoolExecutor(max(1, threads[c])) for c in by_channel}
    barrier.wait(timeout=120)  # everyone set up: the clock starts
    sent = 0
    try:
        futures = [pools[c].submit(send, i) for c in by_channel for i in by_channel[c]]
        for future in futures:
            future.result()
            sent += 1
    finally:
        for pool in pools.values():
            pool.shutdown()
        for mail in opened:
            mail.close()
        results.put(sent)


def measure_raw(
    members: int, processes: int, control: str, *, sms_in_flight: int, email_in_flight: int
) -> dict:
    """The same number of sends, no platform: ``processes`` plain loops (as many
    as the worker has pool processes), each with the gateway's Twilio client
    and SMTP connections, to the same mocks at zero latency, with as many
    requests in flight as the platform may have (``sms_in_flight`` SMS and
    ``email_in_flight`` emails, spread over the processes)."""
    mock_reset(control, ZERO_LATENCY)
    text = TEXTS["nl"]["sms"] + " http://127.0.0.1/m/1.1.abcdefabcdef/"
    items = []
    for i in range(members):
        items.append(("sms", f"+3247{i:07d}", text))
        items.append(("email", f"member{i}@bench.example.org", TEXTS["nl"]["body"]))
    threads = {
        "sms": -(-sms_in_flight // processes),
        "email": -(-email_in_flight // processes),
    }
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = [
        ctx.Process(target=_raw_worker, args=(items[k::processes], threads, barrier, results))
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
