"""Twilio gateways: SMS through Programmable Messaging, voice calls that read
the text out with ``<Say>``.

OPTIONS (each falls back to the setting in brackets):

- ``account_sid`` [TWILIO_ACCOUNT_SID], ``auth_token`` [TWILIO_AUTH_TOKEN]
- ``messaging_service_sid`` [TWILIO_MESSAGING_SERVICE_SID] or ``from_number``
  [TWILIO_FROM_NUMBER]: SMS needs one of them and prefers the messaging
  service (Twilio then picks the sender from its pool); calls need
  ``from_number``.
- ``status_callback_base`` [PUBLIC_BASE_URL]: Twilio reports delivery to
  ``<base>/webhooks/twilio/status/``; an empty value sends no callback URL.
- ``voices`` [TWILIO_VOICES]: voice per language, e.g.
  ``{"nl": "Google.nl-BE-Standard-A"}``; without one Twilio uses the default
  voice set for that language in its console.
- ``timeout``: seconds per request, default 10.
- ``base_url`` and ``extra_headers``: for tests against a mock server only
  (``base_url`` replaces ``https://api.twilio.com``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from messaging.gateways.base import (
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

STATUS_CALLBACK_PATH = "/webhooks/twilio/status/"

# Our member languages to the locales <Say> speaks; Belgian variants where
# Twilio's voices have them.
SAY_LANGUAGES = {"nl": "nl-BE", "fr": "fr-BE", "de": "de-DE", "en": "en-GB"}

# The number itself is wrong, unreachable or opted out (STOP): another try
# can never succeed, so the code is kept for the delivery record.
NUMBER_ERROR_CODES = frozenset({21211, 21214, 21217, 21408, 21610, 21612, 21614})

# Twilio refuses <Twiml> longer than this.
TWIML_MAX_CHARS = 4000


class _HttpClient(TwilioHttpClient):
    """The SDK's requests-based client, plus what Client() cannot configure:
    another host for mock servers, extra headers, and the response headers of
    the last request (for Retry-After), kept per thread."""

    def __init__(
        self, *, timeout: float, base_url: str = "", extra_headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.extra_headers = dict(extra_headers or {})
        self._local = threading.local()
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
            return TemporaryGatewayError(text, retry_after=_retry_after(headers))
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
        self.http_client = _HttpClient(
            timeout=timeout, base_url=base_url, extra_headers=self.options.get("extra_headers")
        )
        self.client = Client(account_sid, auth_token, http_client=self.http_client)
        self.from_number = self._option("from_number", "TWILIO_FROM_NUMBER")
        base = self._option("status_callback_base", "PUBLIC_BASE_URL")
        self.status_callback = f"{base.rstrip('/')}{STATUS_CALLBACK_PATH}" if base else None

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
            status_callback=message.status_callback or self.status_callback,
            **sender,
        )


class TwilioVoiceGateway(_TwilioMixin, BaseVoiceGateway):
    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._setup()
        if not self.from_number:
            raise GatewayConfigurationError(
                "TwilioVoiceGateway needs TWILIO_FROM_NUMBER (a Twilio number that can call)"
            )
        self.voices = dict(self._option("voices", "TWILIO_VOICES", {}) or {})

    def twiml(self, message: OutgoingCall) -> str:
        """The TwiML that reads ``message.text`` out; VoiceResponse escapes it."""
        language = message.language if message.language in SAY_LANGUAGES else "nl"
        attributes = {"language": SAY_LANGUAGES[language]}
        if self.voices.get(language):
            attributes["voice"] = self.voices[language]
        response = VoiceResponse()
        response.say(message.text, **attributes)
        return str(response)

    def call(self, message: OutgoingCall) -> SendResult:
        twiml = self.twiml(message)
        if len(twiml) > TWIML_MAX_CHARS:
            raise PermanentGatewayError(
                f"the text is too long for one call ({len(twiml)} > {TWIML_MAX_CHARS} characters "
                "of TwiML)",
                code="twiml-too-long",
            )
        return self._send(
            self.client.calls.create,
            to=message.to,
            from_=self.from_number,
            twiml=twiml,
            status_callback=message.status_callback or self.status_callback,
        )
