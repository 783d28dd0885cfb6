"""Development only: an inbound SMS simulated through the real webhook."""

from __future__ import annotations

import logging
import uuid
from xml.etree import ElementTree  # nosec B405 - parses our own webhook's TwiML only

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from twilio.request_validator import RequestValidator

from outbox.gateways.base import OutgoingSMS
from outbox.gateways.file import FileSMSGateway
from outbox.gateways.twilio import twilio_webhook_url

__all__ = ["dev_inbound_sms_simulate"]

logger = logging.getLogger(__name__)


def dev_inbound_sms_simulate(*, from_number: str, body: str, host: str, secure: bool) -> str:
    """Post an SMS "from" a phone to the Twilio inbound webhook, signed with
    the local TWILIO_AUTH_TOKEN as Twilio would sign it, and return the
    platform's answer (also stored in the file outbox as an SMS to that
    phone, as Twilio would deliver it).

    The request goes through URL routing, the middleware and the signature
    check like a real callback, so STOP, HELP and replies can be tried after
    ``make run`` without a provider. DEBUG only: the caller checks it.
    """
    # why: Django's test client is the in-process HTTP client that runs the
    # middleware; this code only runs with DEBUG on.
    from django.test import Client

    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        raise ImproperlyConfigured("TWILIO_AUTH_TOKEN is empty: the webhook refuses every post")
    try:
        path = reverse("outbox:twilio_inbound")
    except NoReverseMatch as exc:
        raise ImproperlyConfigured("the Twilio webhooks are not routed") from exc
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": from_number,
        "To": settings.TWILIO_FROM_NUMBER or "+32460000000",
        "Body": body,
    }
    signature = RequestValidator(token).compute_signature(twilio_webhook_url(path=path), params)
    response = Client().post(
        path, params, HTTP_HOST=host, HTTP_X_TWILIO_SIGNATURE=signature, secure=secure
    )
    if response.status_code != 200:
        raise ImproperlyConfigured(f"the inbound webhook answered {response.status_code}")
    answer = _twiml_text(response.content)
    if answer:
        FileSMSGateway().send_sms(OutgoingSMS(to=from_number, body=answer, reference="answer"))
    logger.info("dev: simulated inbound SMS from %s answered %r", from_number, answer)
    return answer


def _twiml_text(content: bytes) -> str:
    root = ElementTree.fromstring(content)  # noqa: S314  # nosec B314
    return " ".join((m.text or "").strip() for m in root.iter("Message")).strip()
