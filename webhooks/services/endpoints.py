"""Registering and switching webhook endpoints."""

from __future__ import annotations

import base64
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from networks.models import PoliceZone
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.targets import TargetRefused, webhook_target_check

logger = logging.getLogger(__name__)


def _new_secret() -> str:
    # Standard Webhooks' form: "whsec_" and the base64 of the key (32 bytes).
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check(*, url: str, events: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    try:
        webhook_target_check(url)
    except TargetRefused as exc:
        errors["url"] = [str(exc)]
    unknown = [e for e in events if e not in Event.values]
    if not events or unknown:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def webhook_endpoint_create(
    *, created_by, police_zone: PoliceZone, url: str, description: str, events: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the zone's events; returns it and its signing
    secret, which is shown to the user this once.

    Raises ValidationError (``url``, ``events``) for a refused target
    (``webhooks.targets``) or no event chosen.
    """
    url = url.strip()
    _check(url=url, events=events)
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        police_zone=police_zone,
        url=url,
        description=description.strip(),
        events=[e for e in Event.values if e in events],
        secret=secret,
        created_by=created_by,
    )
    logger.info("webhook endpoint %s registered for zone %s", endpoint.pk, police_zone.pk)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor) -> str:
    """A new signing secret (the old one stops working at once); returned to
    be shown once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = _new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    logger.info("webhook endpoint %s: new secret by %s", endpoint.pk, actor.pk)
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor) -> WebhookEndpoint:
    """Switch an endpoint on again; the failure count starts from zero.

    The target is checked again: it may have moved since it was registered.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _check(url=endpoint.url, events=endpoint.events)
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save()
    logger.info("webhook endpoint %s enabled by %s", endpoint.pk, actor.pk)
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(
    *, endpoint: WebhookEndpoint, reason: str, actor=None
) -> WebhookEndpoint:
    """Switch an endpoint off: nothing more is sent to it, what waits is cancelled."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = reason[:300]
        endpoint.save()
    endpoint.deliveries.filter(status=WebhookDelivery.Status.QUEUED).update(
        status=WebhookDelivery.Status.CANCELLED, updated_at=timezone.now()
    )
    logger.info(
        "webhook endpoint %s disabled (%s) by %s", endpoint.pk, reason, getattr(actor, "pk", None)
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    """Delete an endpoint and its delivery log."""
    logger.info("webhook endpoint %s deleted by %s", endpoint.pk, actor.pk)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
