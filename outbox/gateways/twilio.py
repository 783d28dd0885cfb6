"""Twilio: SMS through Programmable Messaging, voice calls that read the text
out with ``<Say>``, and Twilio's callbacks (delivery reports, inbound SMS).

Everything Twilio-specific lives here: the REST calls and their errors, the
signature of the callbacks, and Twilio's status vocabulary and error codes,
which become the outbox's normalised ``StatusReport`` and ``InboundMessage``
(``outbox.signals``). ``urlpatterns`` are mounted under /webhooks/twilio/ by
``outbox.urls``.

OPTIONS (each falls back to the setting in brackets):

- ``account_sid`` [TWILIO_ACCOUNT_SID], ``auth_token`` [TWILIO_AUTH_TOKEN]
- ``messaging_service_sid`` [TWILIO_MESSAGING_SERVICE_SID] or ``from_number``
  [TWILIO_FROM_NUMBER]: SMS needs one of them and prefers the messaging
  service (Twilio then picks the sender from its pool); calls need
  ``from_number``.
- ``status_callback_base`` [TWILIO_WEBHOOK_BASE_URL, else PUBLIC_BASE_URL]:
  Twilio reports delivery to ``<base>/webhooks/twilio/status/`` and posts the
  key pressed after a call to ``<base>/webhooks/twilio/voice/repeat/``, the
  base the signatures are checked against; an empty value sends no callback
  URL and offers no repeat.
- ``voices`` [TWILIO_VOICES]: voice per language or locale, e.g.
  ``{"nl": "Google.nl-BE-Standard-A", "nl-NL": "Google.nl-NL-Standard-A"}``;
  without one Twilio uses the default voice set for that language in its console.
- ``machine_detection``: Twilio's answering machine detection on calls,
  default ``DetectMessageEnd`` (a machine gets the message after its beep);
  "" switches it off.
- ``timeout``: seconds per request, default 10.
- ``max_in_flight``: the account's limit of concurrent REST requests (Twilio
  answers 429, error 20429, above it), shared by every worker
  (``outbox.limits``); ``send_rate``: sends per second, where the account or
  sender is limited. The HTTP connection pool keeps ``max_in_flight``
  connections open.
- ``base_url`` and ``extra_headers``: for tests against a mock server only
  (``base_url`` replaces ``https://api.twilio.com``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import wraps
from urllib.parse import urlencode, urlsplit

import phonenumbers
import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bin_platform.webhooks import body_limited
from outbox.gateways.base import (
    BaseSMSGateway,
    BaseVoiceGateway,
    GatewayConfigurationError,
    GatewayError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    SendResult,
    TemporaryGatewayError,
)
from outbox.gateways.twiml import (
    MAX_REPEATS,
    REPEAT_DIGIT,
    call_twiml,
    configured_voices,
    hangup_twiml,
    repeat_count,
    repeat_path,
)
from outbox.hooks import voice_call_script
from outbox.services.callbacks import inbound_message_receive, status_report_record
from outbox.signals import SMS_MAX_CHARS, InboundMessage, ReportedStatus, StatusReport

logger = logging.getLogger(__name__)

PROVIDER = "twilio"
STATUS_CALLBACK_PATH = "/webhooks/twilio/status/"

# The number itself is wrong, unreachable or opted out (STOP): another try
# can never succeed, so the code is kept for the delivery record.
NUMBER_ERROR_CODES = frozenset({21211, 21214, 21217, 21408, 21610, 21612, 21614})

# Messages to one number read back when reconciling an in-doubt send: a
# member gets a handful of messages a day, so one page reaches past the claim.
LOOKUP_PAGE = 50

# Twilio refuses <Twiml> longer than this.
TWIML_MAX_CHARS = 4000


class _HttpClient(TwilioHttpClient):
    """The SDK's requests-based client, plus what Client() cannot configure:
    another host for mock servers, extra headers, and the response headers of
    the last request (for Retry-After), kept per thread."""

    def __init__(
        self,
        *,
        timeout: float,
        base_url: str = "",
        extra_headers: Mapping[str, str] | None = None,
        pool_size: int = 10,
    ) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.extra_headers = dict(extra_headers or {})
        self._local = threading.local()
        if self.session is not None:
            # One kept-alive connection per request in flight: the default
            # pool (10) would open and drop a connection for every other one.
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(pool_size, 10))
            self.session.mount("https://", adapter)
            self.session.mount("http://", adapter)
        if self.base_url and self.session is not None:
            # A mock server runs next to the tests: no HTTP(S)_PROXY from the environment.
            self.session.trust_env = False

    @property
    def last_response_headers(self) -> Mapping[str, str]:
        return getattr(self._local, "headers", None) or {}

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):
        if self.base_url:
            parts = urlsplit(url)
            # Edge/region settings can turn api.twilio.com into other *.twilio.com hosts.
            if parts.hostname and parts.hostname.endswith("twilio.com"):
                url = self.base_url + url[len(f"{parts.scheme}://{parts.netloc}") :]
        if self.extra_headers:
            headers = {**(headers or {}), **self.extra_headers}
        self._local.headers = None
        response = super().request(method, url, params=params, data=data, headers=headers, **kwargs)
        self._local.headers = response.headers
        return response


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def twilio_error_translate(
    exc: Exception, *, headers: Mapping[str, str] | None = None
) -> GatewayError:
    """The gateway error for a failed Twilio request: temporary (429, 5xx,
    network), permanent (other 4xx; ``code`` is Twilio's error code), or
    configuration (401/403: wrong credentials or no permission)."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        status = int(exc.status or 0)
        try:
            code = int(exc.code) if exc.code else None
        except (TypeError, ValueError):
            code = None
        # str(exc) of TwilioRestException adds terminal colours on a tty.
        detail = getattr(exc, "msg", "") or getattr(exc, "title", "") or ""
        if getattr(exc, "detail", None):
            detail = f"{detail}: {exc.detail}"
        text = f"Twilio HTTP {status}" + (f", error {code}" if code else "") + f": {detail}"
        if status == 429 or status >= 500:
            return TemporaryGatewayError(
                text, retry_after=_retry_after(headers), rate_limited=status == 429
            )
        if status in (401, 403):
            return GatewayConfigurationError(f"{text} (check TWILIO_ACCOUNT_SID/AUTH_TOKEN)")
        return PermanentGatewayError(text, code=str(code or status))
    if isinstance(exc, requests.RequestException):
        # Connection refused, DNS, TLS, timeouts. A read timeout may come after
        # Twilio accepted the request; retrying is still the lesser evil.
        return TemporaryGatewayError(f"Twilio unreachable: {type(exc).__name__}: {exc}")
    return TemporaryGatewayError(f"Twilio request failed: {type(exc).__name__}: {exc}")


class _TwilioMixin:
    options: dict

    def _option(self, name: str, setting: str, default=""):
        value = self.options.get(name)
        if value is None:
            value = getattr(settings, setting, default)
        return value

    def _setup(self) -> None:
        account_sid = self._option("account_sid", "TWILIO_ACCOUNT_SID")
        auth_token = self._option("auth_token", "TWILIO_AUTH_TOKEN")
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", account_sid),
                ("TWILIO_AUTH_TOKEN", auth_token),
            )
            if not value
        ]
        if missing:
            raise GatewayConfigurationError(
                f"{type(self).__name__} needs {' and '.join(missing)} "
                "(settings or the gateway's OPTIONS account_sid/auth_token)"
            )
        base_url = self.options.get("base_url") or ""
        if base_url:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise GatewayConfigurationError(
                    f"base_url must be http(s)://host[:port]: {base_url!r}"
                )
        try:
            timeout = float(self.options.get("timeout", 10))
        except (TypeError, ValueError) as exc:
            raise GatewayConfigurationError(f"timeout must be a number of seconds: {exc}") from exc
        if timeout <= 0:
            raise GatewayConfigurationError("timeout must be more than 0 seconds")
        self.account_sid = account_sid
        self.http_client = _HttpClient(
            timeout=timeout,
            base_url=base_url,
            extra_headers=self.options.get("extra_headers"),
            pool_size=self.limits().max_in_flight,
        )
        self.client = Client(account_sid, auth_token, http_client=self.http_client)
        self.from_number = self._option("from_number", "TWILIO_FROM_NUMBER")
        base = self.options.get("status_callback_base")
        if base is None:
            # The URLs Twilio calls are the ones it signs (twilio_webhook_url).
            base = settings.TWILIO_WEBHOOK_BASE_URL or settings.PUBLIC_BASE_URL
        self.status_callback = f"{base.rstrip('/')}{STATUS_CALLBACK_PATH}" if base else None
        self.callback_base = base.rstrip("/") if base else ""

    def limit_key(self) -> str:
        # Twilio limits concurrent requests per account, whatever the sender.
        return f"twilio:{self.account_sid}"

    def _callback(self, message) -> str | None:
        """The status callback URL, carrying our reference (``?ref=d<id>``),
        so every message at Twilio names the row it was sent for."""
        url = message.status_callback or self.status_callback
        if url and message.reference and not message.status_callback:
            url = f"{url}?{urlencode({'ref': message.reference})}"
        return url

    def _send(self, create, **params) -> SendResult:
        try:
            resource = create(**params)
        except Exception as exc:
            error = twilio_error_translate(exc, headers=self.http_client.last_response_headers)
            raise error from exc
        return SendResult(provider_id=resource.sid, status=str(resource.status or "accepted"))


class TwilioSMSGateway(_TwilioMixin, BaseSMSGateway):
    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._setup()
        self.messaging_service_sid = self._option(
            "messaging_service_sid", "TWILIO_MESSAGING_SERVICE_SID"
        )
        if not self.messaging_service_sid and not self.from_number:
            raise GatewayConfigurationError(
                "TwilioSMSGateway needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
            )

    def send_sms(self, message: OutgoingSMS) -> SendResult:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        return self._send(
            self.client.messages.create,
            to=message.to,
            body=message.body,
            status_callback=self._callback(message),
            **sender,
        )

    supports_lookup = True

    def lookup_sms(self, message: OutgoingSMS, *, since: datetime) -> SendResult | None:
        """Twilio's Message to ``message.to`` with the same body created at or
        after ``since`` (less a minute for clock skew), or None.

        Lists the newest Messages to that number (``To`` filter, one page of
        LOOKUP_PAGE). Not filtered on ``DateSent``: Twilio fills it in only
        once a message has left its queue, and a message still queued there is
        exactly one that must not be sent twice."""
        earliest = since - timedelta(seconds=60)
        try:
            found = self.client.messages.list(to=message.to, limit=LOOKUP_PAGE)
        except Exception as exc:
            error = twilio_error_translate(exc, headers=self.http_client.last_response_headers)
            raise error from exc
        for resource in found:
            created = resource.date_created
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            if resource.body == message.body and (created is None or created >= earliest):
                return SendResult(
                    provider_id=resource.sid, status=str(resource.status or "accepted")
                )
        return None


class TwilioVoiceGateway(_TwilioMixin, BaseVoiceGateway):
    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._setup()
        if not self.from_number:
            raise GatewayConfigurationError(
                "TwilioVoiceGateway needs TWILIO_FROM_NUMBER (a Twilio number that can call)"
            )
        self.voices = dict(self._option("voices", "TWILIO_VOICES", {}) or {})
        machine_detection = self.options.get("machine_detection", "DetectMessageEnd")
        self.machine_detection = machine_detection or None

    def twiml(self, message: OutgoingCall) -> str:
        """The TwiML that reads ``message.text`` out in the member's language,
        then offers to read it again (``outbox.gateways.twiml``) when Twilio
        can reach our webhooks and the call names its row."""
        repeat = None
        if self.callback_base and message.reference:
            repeat = self.callback_base + repeat_path(reference=message.reference, count=1)
        return call_twiml(call=message, voices=self.voices, repeat_url=repeat)

    def call(self, message: OutgoingCall) -> SendResult:
        twiml = self.twiml(message)
        if len(twiml) > TWIML_MAX_CHARS:
            raise PermanentGatewayError(
                f"the text is too long for one call ({len(twiml)} > {TWIML_MAX_CHARS} characters "
                "of TwiML)",
                code="twiml-too-long",
            )
        # Twilio waits for the end of a machine's greeting (the beep) before
        # it reads the TwiML, so the message is left whole on the machine.
        detection = {"machine_detection": self.machine_detection} if self.machine_detection else {}
        return self._send(
            self.client.calls.create,
            to=message.to,
            from_=self.from_number,
            twiml=twiml,
            status_callback=self._callback(message),
            **detection,
        )


# --- callbacks: vocabulary ---------------------------------------------------

# Twilio's message and call statuses that end or advance a delivery.
TWILIO_STATUSES = {
    "sent": ReportedStatus.SENT,
    "delivered": ReportedStatus.DELIVERED,
    "read": ReportedStatus.DELIVERED,
    "undelivered": ReportedStatus.UNDELIVERED,
    "failed": ReportedStatus.FAILED,
    "canceled": ReportedStatus.FAILED,
    # calls
    "completed": ReportedStatus.DELIVERED,
    "busy": ReportedStatus.UNDELIVERED,
    "no-answer": ReportedStatus.UNDELIVERED,
}
# A call that rang out or found the line busy: worth dialling again later.
TWILIO_NOT_ANSWERED = frozenset({"busy", "no-answer"})
# Twilio has the message or call but nothing happened yet: at most it proves
# the hand-over.
TWILIO_INTERIM_STATUSES = frozenset(
    {"accepted", "scheduled", "queued", "sending", "initiated", "ringing", "in-progress"}
)
# The SMS cannot arrive, now or later (error codes of Twilio's delivery
# reports): 30003 unreachable handset, 30004 blocked, 30005 unknown number,
# 30006 landline or unreachable carrier, 30007 filtered by the carrier; plus
# the number errors of the API (21610: the person sent STOP to Twilio).
UNREACHABLE_ERROR_CODES = frozenset(
    {"30003", "30004", "30005", "30006", "30007"} | {str(code) for code in NUMBER_ERROR_CODES}
)


def twilio_status_handle(
    *, sid: str, status: str, error_code: str = "", error_message: str = ""
) -> str:
    """Translate one Twilio status report and record it (``status_report_record``).

    Returns what happened, for logs and tests: the new status, "unchanged"
    (late, repeated or about a final row), "unknown" (no such message) or
    "ignored" (a status that says nothing about delivery).
    """
    status = (status or "").strip().lower()
    sid = (sid or "").strip()
    if status in TWILIO_INTERIM_STATUSES:
        reported = ReportedStatus.ACCEPTED
    elif status in TWILIO_STATUSES:
        reported = TWILIO_STATUSES[status]
    else:
        logger.info("Twilio status %r for %s ignored", status, sid)
        return "ignored"
    if not sid:
        logger.warning("Twilio status report without a sid")
        return "unknown"
    error_code = str(error_code or "").strip()[:32]
    failed = reported in (ReportedStatus.UNDELIVERED, ReportedStatus.FAILED)
    report = StatusReport(
        provider=PROVIDER,
        provider_id=sid,
        status=reported,
        error_code=error_code if failed else "",
        error=((error_message or "").strip() or f"Twilio: {status}") if failed else "",
        unreachable=failed and error_code in UNREACHABLE_ERROR_CODES,
        not_answered=status in TWILIO_NOT_ANSWERED,
    )
    return status_report_record(report=report)


def _e164(number: str) -> str:
    number = (number or "").strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def twilio_inbound_handle(*, from_number: str, to_number: str = "", body: str, sid: str) -> str:
    """Pass one inbound SMS on (``inbound_message_receive``); returns the text
    to answer with ("" for none)."""
    message = InboundMessage(
        provider=PROVIDER,
        provider_id=(sid or "").strip(),
        channel="sms",
        from_address=_e164(from_number),
        to_address=(to_number or "").strip(),
        body=(body or "").strip(),
    )
    return inbound_message_receive(message=message)


# --- callbacks: signatures ---------------------------------------------------


def twilio_webhook_url(*, path: str) -> str:
    """The URL Twilio called, which its signature covers: the public base
    (TWILIO_WEBHOOK_BASE_URL, else PUBLIC_BASE_URL) and the request's path
    with its query string. Behind a proxy the Host header cannot be trusted
    to rebuild it."""
    base = settings.TWILIO_WEBHOOK_BASE_URL or settings.PUBLIC_BASE_URL
    return base.rstrip("/") + path


def twilio_signature_valid(*, url: str, params, signature: str) -> bool:
    """Whether ``signature`` (X-Twilio-Signature) is Twilio's for this URL and
    form parameters, made with TWILIO_AUTH_TOKEN. False without a token."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        logger.error("Twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
        return False
    if not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


# Twilio's callbacks are small forms (an SMS is at most 1,600 characters);
# anything larger is not Twilio and is refused before it is read.
TWILIO_WEBHOOK_MAX_BYTES = 64 * 1024
# The fields passed on, by their longest legitimate length; longer is refused.
_FIELD_LIMITS = {
    "Body": SMS_MAX_CHARS,
    "From": 32,
    "To": 32,
    "MessageSid": 64,
    "SmsSid": 64,
    "CallSid": 64,
    "MessageStatus": 32,
    "SmsStatus": 32,
    "CallStatus": 32,
    "Digits": 8,
    "AnsweredBy": 32,
    "ErrorCode": 32,
    "ErrorMessage": 1000,
}


def twilio_signed(view: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """POST only, a body of at most 64 KB (413) with fields of plausible
    length (400), and only with a valid X-Twilio-Signature (403)."""

    @body_limited(TWILIO_WEBHOOK_MAX_BYTES)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # path_info: the path as routed, which is what the gateway appends to
        # PUBLIC_BASE_URL for the callback URL it gives Twilio.
        url = twilio_webhook_url(path=request.get_full_path_info())
        signature = request.headers.get("X-Twilio-Signature", "")
        if not twilio_signature_valid(url=url, params=request.POST, signature=signature):
            logger.warning("Twilio webhook with a missing or wrong signature for %s", url)
            return HttpResponseForbidden()
        too_long = [
            name
            for name, limit in _FIELD_LIMITS.items()
            if any(len(value) > limit for value in request.POST.getlist(name))
        ]
        if too_long:
            logger.warning("Twilio webhook refused: %s too long", ", ".join(too_long))
            return HttpResponseBadRequest()
        return view(request, *args, **kwargs)

    # CSRF protection is for browsers carrying a user's session cookie; Twilio
    # has neither a session nor a way to send our token. The signature above
    # (HMAC of URL and form with the auth token) authenticates the request
    # instead, which is stronger than a CSRF token would be here.
    return csrf_exempt(require_POST(wrapper))


# --- callbacks: endpoints ----------------------------------------------------


@twilio_signed
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery report of an SMS (MessageSid/MessageStatus) or call (CallSid/CallStatus)."""
    data = request.POST
    twilio_status_handle(
        sid=data.get("MessageSid") or data.get("SmsSid") or data.get("CallSid", ""),
        status=data.get("MessageStatus") or data.get("SmsStatus") or data.get("CallStatus", ""),
        error_code=data.get("ErrorCode", ""),
        error_message=data.get("ErrorMessage", ""),
    )
    # Always 2xx, also for an unknown sid: Twilio would only retry in vain.
    return HttpResponse(status=204)


@twilio_signed
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS to our number, answered in TwiML with what the receivers say."""
    data = request.POST
    answer = twilio_inbound_handle(
        from_number=data.get("From", ""),
        to_number=data.get("To", ""),
        body=data.get("Body", ""),
        sid=data.get("MessageSid") or data.get("SmsSid", ""),
    )
    response = MessagingResponse()
    # With Twilio's Advanced Opt-Out on, Twilio confirmed STOP and START itself
    # (OptOutType); answering as well would send the member a second SMS.
    if answer and data.get("OptOutType", "").upper() not in ("STOP", "START"):
        response.message(answer)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@twilio_signed
def twilio_voice_repeat(request: HttpRequest) -> HttpResponse:
    """The key pressed after a call's message (``<Gather>``): 1 reads the
    message again (``voice_call_script``), anything else ends the call."""
    reference = request.GET.get("ref", "")
    count = repeat_count(reference=reference, count=request.GET.get("n", ""))
    call = None
    if count is not None and request.POST.get("Digits", "") == REPEAT_DIGIT:
        call = voice_call_script(reference=reference)
    if call is None:
        return HttpResponse(hangup_twiml(), content_type="text/xml; charset=utf-8")
    following = None
    if count < MAX_REPEATS:
        following = twilio_webhook_url(path=repeat_path(reference=reference, count=count + 1))
    twiml = call_twiml(call=call, voices=configured_voices(), repeat_url=following)
    return HttpResponse(twiml, content_type="text/xml; charset=utf-8")


# Mounted under /webhooks/twilio/ (outbox.urls); the names keep "twilio_"
# because all providers share the outbox's URL namespace.
urlpatterns = [
    path("status/", twilio_status, name="twilio_status"),
    path("inbound/", twilio_inbound, name="twilio_inbound"),
    path("voice/repeat/", twilio_voice_repeat, name="twilio_voice_repeat"),
]
