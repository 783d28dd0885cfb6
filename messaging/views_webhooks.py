"""Twilio's webhooks: delivery reports and inbound SMS.

Machine endpoints, not pages: no login and no CSRF token, but every request
must carry Twilio's signature of the exact URL and form it posted. The work
is done in ``messaging.services.webhooks``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from messaging.services.webhooks import (
    twilio_inbound_handle,
    twilio_signature_valid,
    twilio_status_record,
    twilio_webhook_url,
)

logger = logging.getLogger(__name__)


def twilio_signed(view: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """POST only, and only with a valid X-Twilio-Signature; 403 otherwise."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # path_info: the path as routed, which is what the gateway appends to
        # PUBLIC_BASE_URL for the callback URL it gives Twilio.
        url = twilio_webhook_url(path=request.get_full_path_info())
        signature = request.headers.get("X-Twilio-Signature", "")
        if not twilio_signature_valid(url=url, params=request.POST, signature=signature):
            logger.warning("Twilio webhook with a missing or wrong signature for %s", url)
            return HttpResponseForbidden()
        return view(request, *args, **kwargs)

    # CSRF protection is for browsers carrying a user's session cookie; Twilio
    # has neither a session nor a way to send our token. The signature above
    # (HMAC of URL and form with the auth token) authenticates the request
    # instead, which is stronger than a CSRF token would be here.
    return csrf_exempt(require_POST(wrapper))


@twilio_signed
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery report of an SMS (MessageSid/MessageStatus) or call (CallSid/CallStatus)."""
    data = request.POST
    twilio_status_record(
        sid=data.get("MessageSid") or data.get("SmsSid") or data.get("CallSid", ""),
        status=data.get("MessageStatus") or data.get("SmsStatus") or data.get("CallStatus", ""),
        error_code=data.get("ErrorCode", ""),
        error_message=data.get("ErrorMessage", ""),
    )
    # Always 2xx, also for an unknown sid: Twilio would only retry in vain.
    return HttpResponse(status=204)


@twilio_signed
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS to our number: a keyword (STOP, START, HELP) or a reply; answered in TwiML."""
    data = request.POST
    result = twilio_inbound_handle(
        from_number=data.get("From", ""),
        to_number=data.get("To", ""),
        body=data.get("Body", ""),
        sid=data.get("MessageSid") or data.get("SmsSid", ""),
    )
    response = MessagingResponse()
    if result.text:
        response.message(result.text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")
