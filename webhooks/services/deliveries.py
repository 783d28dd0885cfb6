"""Signing and sending webhook deliveries, retrying, and giving up.

The body is the stored payload as compact JSON, the same bytes on every
attempt; each attempt is signed anew per Standard Webhooks (``webhook-id``
= the row's ``event_id``, ``webhook-timestamp`` = now, ``webhook-signature``
= ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` with the endpoint's
secret, computed by the ``standardwebhooks`` package).

A 2xx answer is success. Anything else (an error status, a timeout, a
refused target) is a failed attempt: the row goes back to queued with an
exponential backoff until ``WEBHOOKS_MAX_ATTEMPTS``, then fails. After
``WEBHOOKS_DISABLE_AFTER_FAILURES`` failed attempts in a row (or at once on
410 Gone) the endpoint is disabled, its queued rows are cancelled and whoever
registered it gets an email.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from math import floor
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from outbox.services.notifications import notification_queue
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import webhook_endpoint_disable
from webhooks.targets import TargetRefused, webhook_target_check

logger = logging.getLogger(__name__)

USER_AGENT = "BIN-Platform-Webhooks/1.0"
# A claim older than this belongs to a worker that died: the sweep hands it back.
STALE_CLAIM = timedelta(minutes=5)


def _setting(name: str, default):
    return getattr(settings, name, default)


def _backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, ~2 h, then 6 h (by default)."""
    base = _setting("WEBHOOKS_RETRY_BACKOFF_SECONDS", 30)
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 6 * 3600))


def webhook_delivery_queue(*, delivery_ids: list[int], countdown: float = 0) -> None:
    """Queue the sends; if the broker is down, the sweep sends them later."""
    # why: the tasks module imports the services (the services <-> tasks pair).
    from webhooks.tasks import webhook_delivery_send_task

    for pk in delivery_ids:
        try:
            webhook_delivery_send_task.apply_async(args=[pk], countdown=countdown)
        except Exception:
            logger.exception("could not queue webhook delivery %s; the sweep will", pk)
            return


def webhook_body(*, delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): the payload as compact JSON."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_headers(*, delivery: WebhookDelivery, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    signature = Webhook(delivery.endpoint.secret).sign(
        msg_id=delivery.event_id, timestamp=now, data=body.decode()
    )
    return {
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if delivery is None:
            return None
        if not delivery.endpoint.is_active:
            delivery.status = WebhookDelivery.Status.CANCELLED
            delivery.save(update_fields=["status", "updated_at"])
            return None
        delivery.status = WebhookDelivery.Status.SENDING
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["status", "attempts", "claimed_at", "updated_at"])
    return delivery


def _pool(url: str, address: str) -> urllib3.HTTPConnectionPool:
    """A connection pool to ``address``, the address the target check
    approved, not to whatever the host name resolves to a moment later (DNS
    rebinding). For https the certificate is still checked against the host
    name (SNI and hostname verification)."""
    parts = urlsplit(url)
    timeout = _setting("WEBHOOKS_TIMEOUT_SECONDS", 10)
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if parts.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            parts.port or 443,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_setting("WEBHOOKS_CA_BUNDLE", "") or certifi.where(),
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            **options,
        )
    return urllib3.HTTPConnectionPool(address, parts.port or 80, **options)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """One attempt: (HTTP status or None, error, start of the answer)."""
    body = webhook_body(delivery=delivery)
    url = delivery.endpoint.url
    try:
        addresses = webhook_target_check(url)
    except TargetRefused as exc:
        return None, str(exc), ""
    headers = webhook_headers(delivery=delivery, body=body, now=datetime.now(UTC))
    parts = urlsplit(url)
    headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    limit = _setting("WEBHOOKS_MAX_RESPONSE_BYTES", 4096)
    error = ""
    for address in addresses:  # in the resolver's order; the next if one cannot connect
        pool = _pool(url, address)
        try:
            response = pool.urlopen(
                "POST", target, body=body, headers=headers, redirect=False, preload_content=False
            )
            try:
                # Read only the start of the answer: a receiver cannot make
                # the worker download an endless body.
                head = response.read(limit, decode_content=True) or b""
                status = response.status
            finally:
                response.release_conn()
            break
        except (
            urllib3.exceptions.NewConnectionError,
            urllib3.exceptions.ConnectTimeoutError,
        ) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        except urllib3.exceptions.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300], ""
        finally:
            pool.close()
    else:
        return None, error, ""
    excerpt = head.decode("utf-8", "replace")[:500]
    if 200 <= status < 300:
        return status, "", excerpt
    return (
        status,
        _("The receiver answered with HTTP status %(status)s.") % {"status": status},
        excerpt,
    )


def webhook_delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if it is queued and due; returns what happened
    ("delivered", "retry", "failed", "disabled" (the endpoint was switched
    off after this failure) or "skipped")."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    status, error, excerpt = _post(delivery)
    return _record(delivery, status=status, error=error, excerpt=excerpt)


def _record(delivery: WebhookDelivery, *, status: int | None, error: str, excerpt: str) -> str:
    now = timezone.now()
    delivery.response_status = status
    delivery.last_error = error[:300]
    delivery.response_excerpt = excerpt
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update().filter(pk=delivery.endpoint_id).first()
        )
        if endpoint is None:
            return "skipped"  # deleted while this attempt ran, with its log
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            outcome = "delivered"
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
        else:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=F("consecutive_failures") + 1
            )
            endpoint.refresh_from_db(fields=["consecutive_failures"])
            if delivery.attempts >= _setting("WEBHOOKS_MAX_ATTEMPTS", 8):
                delivery.status, outcome = WebhookDelivery.Status.FAILED, "failed"
            else:
                delivery.status, outcome = WebhookDelivery.Status.QUEUED, "retry"
                delivery.next_attempt_at = now + _backoff(delivery.attempts)
        delivery.save()
        if error and endpoint.is_active:
            limit = _setting("WEBHOOKS_DISABLE_AFTER_FAILURES", 15)
            reason = ""
            if status == 410:
                reason = _("The receiver answered 410 Gone.")
            elif endpoint.consecutive_failures >= limit:
                reason = _("%(count)s failed attempts in a row; the last: %(error)s") % {
                    "count": endpoint.consecutive_failures,
                    "error": error,
                }
            if reason:
                # This row too, if it was to be retried, is cancelled with the rest.
                _disable(endpoint, reason)
                outcome = "disabled"
    if outcome == "retry":
        wait = (delivery.next_attempt_at - now).total_seconds()
        transaction.on_commit(
            lambda: webhook_delivery_queue(delivery_ids=[delivery.pk], countdown=wait)
        )
    logger.info("webhook delivery %s: %s (%s)", delivery.pk, outcome, status)
    return outcome


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Switch the endpoint off, cancel what waits and tell whoever registered it."""
    webhook_endpoint_disable(endpoint=endpoint, reason=reason)
    owner = endpoint.created_by
    if owner is None or not owner.email:
        return
    with translation.override(owner.preferred_language):
        context = {
            "endpoint": endpoint,
            "reason": reason,
            "link": settings.PUBLIC_BASE_URL
            + reverse("webhooks:detail", kwargs={"pk": endpoint.pk}),
        }
        notification_queue(
            kind="webhook_disabled",
            channel="email",
            to=owner.email,
            subject=_("Webhook switched off: %(url)s") % {"url": endpoint.url[:120]},
            body=render_to_string("webhooks/texts/disabled.txt", context),
        )


def webhook_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Hand back claims of dead workers and queue the rows that are due (run
    every minute)."""
    now = now or timezone.now()
    reclaimed = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=WebhookDelivery.Status.QUEUED)
    grace = timedelta(seconds=_setting("WEBHOOKS_SWEEP_GRACE_SECONDS", 30))
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.QUEUED)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lt=now - grace)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    webhook_delivery_queue(delivery_ids=due)
    return {"reclaimed": reclaimed, "queued": len(due)}
