"""The Twilio gateways through the real SDK against Prism, a mock server that
answers from Twilio's own OpenAPI spec (vendor/twilio/) and checks every
request against it. Nothing goes to Twilio.

Twilio's spec lists only the 201 answer of "create message" and "create
call". For the error paths the fixture adds the error answers Twilio
documents (a JSON body with ``code``, ``message``, ``more_info``, ``status``)
to a copy of the spec, and a test picks one with Prism's ``Prefer: code=...``
header. With a 400 in the spec, Prism answers an invalid request with that
400 and lists what was wrong in its ``sl-violations`` header; a valid request
gets the 201 without that header.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from benchmarks.mock_servers import free_port
from outbox import gateways
from outbox.gateways.base import (
    GatewayConfigurationError,
    OutgoingCall,
    OutgoingSMS,
    PermanentGatewayError,
    TemporaryGatewayError,
)
from outbox.gateways.twilio import (
    TwilioSMSGateway,
    TwilioVoiceGateway,
    twilio_error_translate,
)
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
SPEC = ROOT / "vendor" / "twilio" / "twilio_api_v2010.json"
PRISM_START_TIMEOUT = 60

ACCOUNT_SID = "AC" + "a" * 32
SERVICE_SID = "MG" + "a" * 32
# The sids of the first 201 examples in Twilio's spec, which Prism returns.
EXAMPLE_MESSAGE_SID = "SM" + "a" * 32
EXAMPLE_CALL_SID = "CA" + "a" * 32
SENDER = "+3253606464"
MOBILE = "+32470123456"
CALLBACK_BASE = "https://bin.example.org"

CREATE_OPERATIONS = (
    "/2010-04-01/Accounts/{AccountSid}/Messages.json",
    "/2010-04-01/Accounts/{AccountSid}/Calls.json",
)


def _twilio_error(status: int, examples: dict[str, tuple[int, str]], **extra) -> dict:
    body = {
        "type": "object",
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "more_info": {"type": "string"},
            "status": {"type": "integer"},
        },
    }
    return {
        "description": f"Twilio error ({status})",
        "content": {
            "application/json": {
                "schema": body,
                "examples": {
                    key: {
                        "value": {
                            "code": code,
                            "message": message,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}",
                            "status": status,
                        }
                    }
                    for key, (code, message) in examples.items()
                },
            }
        },
        **extra,
    }


def _spec_with_errors(target: Path) -> Path:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    errors = {
        "400": _twilio_error(
            400,
            {
                "invalidTo": (21211, "Invalid 'To' Phone Number"),
                "optedOut": (21610, "Attempt to send to unsubscribed recipient"),
            },
        ),
        "401": _twilio_error(401, {"authenticate": (20003, "Authenticate")}),
        "429": _twilio_error(
            429,
            {"tooMany": (20429, "Too Many Requests")},
            headers={"Retry-After": {"schema": {"type": "integer"}, "example": 7}},
        ),
        "500": _twilio_error(500, {"internal": (20500, "Internal Server Error")}),
    }
    for path in CREATE_OPERATIONS:
        responses = spec["paths"][path]["post"]["responses"]
        assert "201" in responses, f"the vendored spec changed: no 201 for {path}"
        responses.update(errors)
    target.write_text(json.dumps(spec), encoding="utf-8")
    return target


def _answers(url: str) -> bool:
    with requests.Session() as session:
        session.trust_env = False  # no proxy for a local server
        try:
            session.get(url, timeout=1)  # any answer, even Prism's 404 for "/", means it is up
        except requests.RequestException:
            return False
    return True


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory) -> str:
    """Prism serving Twilio's spec on a free port, once per test session
    (each xdist worker starts its own)."""
    if not PRISM.exists():
        missing(f"Prism mock server ({PRISM.relative_to(ROOT)} missing: run `npm ci`)")
    folder = tmp_path_factory.mktemp("prism")
    spec = _spec_with_errors(folder / "twilio_api_v2010.json")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = folder / "prism.log"
    command = [str(PRISM), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--errors"]  # responses that break the spec fail too
    started = time.monotonic()
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        except OSError as exc:
            missing(f"Prism mock server could not start: {exc}")
    try:
        while not _answers(url):
            if process.poll() is not None or time.monotonic() - started > PRISM_START_TIMEOUT:
                tail = log_path.read_text(errors="replace")[-2000:]
                missing(f"Prism mock server did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.1)
        print(f"Prism answered after {time.monotonic() - started:.1f} s")  # shown with -s
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sms_gateway(prism_url):
    def build(**options) -> TwilioSMSGateway:
        defaults = {
            "account_sid": ACCOUNT_SID,
            "auth_token": "test-token",
            "messaging_service_sid": SERVICE_SID,
            "status_callback_base": CALLBACK_BASE,
            "base_url": prism_url,
        }
        return TwilioSMSGateway(**{**defaults, **options})

    return build


@pytest.fixture
def voice_gateway(prism_url):
    def build(**options) -> TwilioVoiceGateway:
        defaults = {
            "account_sid": ACCOUNT_SID,
            "auth_token": "test-token",
            "from_number": SENDER,
            "status_callback_base": CALLBACK_BASE,
            "base_url": prism_url,
        }
        return TwilioVoiceGateway(**{**defaults, **options})

    return build


def _sent(gateway) -> dict:
    """The form fields of the last request the SDK made."""
    return dict(gateway.http_client._test_only_last_request.data)


def _violations(gateway) -> str:
    return gateway.http_client.last_response_headers.get("sl-violations", "")


# --- through Prism ---------------------------------------------------------------


def test_sms_through_a_messaging_service(sms_gateway, prism_url):
    gateway = sms_gateway()
    result = gateway.send_sms(OutgoingSMS(to=MOBILE, body="Inbraak Kerkstraat 9"))
    assert result.provider_id == EXAMPLE_MESSAGE_SID
    assert result.status == "queued"
    assert _violations(gateway) == ""  # Prism found the request valid
    sent = _sent(gateway)
    assert sent["To"] == MOBILE
    assert sent["Body"] == "Inbraak Kerkstraat 9"
    assert sent["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in sent
    assert sent["StatusCallback"] == f"{CALLBACK_BASE}/webhooks/twilio/status/"
    last_url = gateway.http_client._test_only_last_request.url
    assert last_url == f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_sms_from_a_number(sms_gateway):
    gateway = sms_gateway(messaging_service_sid="", from_number=SENDER)
    result = gateway.send_sms(
        OutgoingSMS(to=MOBILE, body="Code 123456", status_callback="https://x.example/cb/")
    )
    assert result.provider_id == EXAMPLE_MESSAGE_SID
    assert _violations(gateway) == ""
    sent = _sent(gateway)
    assert sent["From"] == SENDER
    assert "MessagingServiceSid" not in sent
    assert sent["StatusCallback"] == "https://x.example/cb/"


def test_settings_configure_the_gateway(settings, prism_url):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = "from-settings"
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    settings.TWILIO_FROM_NUMBER = SENDER
    settings.PUBLIC_BASE_URL = "https://buurt.example.be"
    twilio = "outbox.gateways.twilio."
    settings.OUTBOX_GATEWAYS = {
        "sms": {"BACKEND": twilio + "TwilioSMSGateway", "OPTIONS": {"base_url": prism_url}},
        "voice": {"BACKEND": twilio + "TwilioVoiceGateway", "OPTIONS": {"base_url": prism_url}},
    }
    sms = gateways.get_sms_gateway()
    assert sms.send_sms(OutgoingSMS(to=MOBILE, body="Hallo")).provider_id == EXAMPLE_MESSAGE_SID
    sent = _sent(sms)
    assert sent["MessagingServiceSid"] == SERVICE_SID
    assert sent["StatusCallback"] == "https://buurt.example.be/webhooks/twilio/status/"
    assert sms.http_client._test_only_last_request.auth == (ACCOUNT_SID, "from-settings")
    voice = gateways.get_voice_gateway()
    assert voice.call(OutgoingCall(to=MOBILE, text="Hallo")).provider_id == EXAMPLE_CALL_SID
    assert _sent(voice)["From"] == SENDER


def test_a_request_the_spec_refuses_is_permanent(sms_gateway):
    gateway = sms_gateway(messaging_service_sid="MG-not-a-service")
    with pytest.raises(PermanentGatewayError):
        gateway.send_sms(OutgoingSMS(to=MOBILE, body="Hallo"))
    assert "MessagingServiceSid" in _violations(gateway)


def test_voice_call_reads_the_text_in_the_members_language(voice_gateway):
    gateway = voice_gateway()
    text = 'Inbraak <Kerkstraat> & "tuin"'
    result = gateway.call(OutgoingCall(to=MOBILE, text=text, language="fr"))
    assert result.provider_id == EXAMPLE_CALL_SID
    assert _violations(gateway) == ""
    sent = _sent(gateway)
    assert sent["To"] == MOBILE
    assert sent["From"] == SENDER
    assert sent["StatusCallback"] == f"{CALLBACK_BASE}/webhooks/twilio/status/"
    twiml = sent["Twiml"]
    assert '<Say language="fr-BE">' in twiml
    # Escaped: the text cannot add TwiML verbs of its own.
    assert "Inbraak &lt;Kerkstraat&gt; &amp;" in twiml
    assert "<Kerkstraat>" not in twiml
    # Answering machines get the message after the beep; Prism accepted the value.
    assert sent["MachineDetection"] == "DetectMessageEnd"


def test_voice_call_offers_to_repeat_through_the_signed_webhook(voice_gateway):
    gateway = voice_gateway()
    gateway.call(OutgoingCall(to=MOBILE, text="Alarm", language="de", reference="d42"))
    assert _violations(gateway) == ""
    twiml = _sent(gateway)["Twiml"]
    action = f"{CALLBACK_BASE}/webhooks/twilio/voice/repeat/?ref=d42&amp;n=1"
    assert f'<Gather action="{action}" method="POST" numDigits="1" timeout="6">' in twiml
    assert twiml.count('<Say language="de-DE">') == 2  # the message and the offer


def test_machine_detection_can_be_switched_off(voice_gateway):
    gateway = voice_gateway(machine_detection="")
    gateway.call(OutgoingCall(to=MOBILE, text="Alarm"))
    assert "MachineDetection" not in _sent(gateway)


@pytest.mark.parametrize(
    ("language", "locale"), [("nl", "nl-BE"), ("de", "de-DE"), ("en", "en-GB"), ("xx", "nl-BE")]
)
def test_say_language_per_member_language(language, locale):
    gateway = TwilioVoiceGateway(account_sid=ACCOUNT_SID, auth_token="t", from_number=SENDER)
    twiml = gateway.twiml(OutgoingCall(to=MOBILE, text="Alarm", language=language))
    assert f'<Say language="{locale}">Alarm</Say>' in twiml


def test_configured_voice_is_used():
    gateway = TwilioVoiceGateway(
        account_sid=ACCOUNT_SID,
        auth_token="t",
        from_number=SENDER,
        voices={"nl": "Google.nl-BE-Standard-A"},
    )
    nl = gateway.twiml(OutgoingCall(to=MOBILE, text="Alarm", language="nl"))
    assert 'voice="Google.nl-BE-Standard-A"' in nl
    assert "voice=" not in gateway.twiml(OutgoingCall(to=MOBILE, text="Alarm", language="fr"))


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_rate_limit_is_temporary_with_retry_after(channel, sms_gateway, voice_gateway):
    headers = {"Prefer": "code=429"}
    with pytest.raises(TemporaryGatewayError) as caught:
        if channel == "sms":
            sms_gateway(extra_headers=headers).send_sms(OutgoingSMS(to=MOBILE, body="x"))
        else:
            voice_gateway(extra_headers=headers).call(OutgoingCall(to=MOBILE, text="x"))
    assert caught.value.retry_after == 7
    assert "20429" in str(caught.value)


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_provider_error_is_temporary(channel, sms_gateway, voice_gateway):
    headers = {"Prefer": "code=500"}
    with pytest.raises(TemporaryGatewayError) as caught:
        if channel == "sms":
            sms_gateway(extra_headers=headers).send_sms(OutgoingSMS(to=MOBILE, body="x"))
        else:
            voice_gateway(extra_headers=headers).call(OutgoingCall(to=MOBILE, text="x"))
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("prefer", "code"),
    [("code=400", "21211"), ("code=400, example=optedOut", "21610")],
)
def test_invalid_or_opted_out_number_is_permanent(prefer, code, sms_gateway):
    gateway = sms_gateway(extra_headers={"Prefer": prefer})
    with pytest.raises(PermanentGatewayError) as caught:
        gateway.send_sms(OutgoingSMS(to=MOBILE, body="x"))
    assert caught.value.code == code
    assert _violations(gateway) == ""  # the request itself was fine


def test_refused_credentials_are_a_configuration_error(voice_gateway):
    gateway = voice_gateway(extra_headers={"Prefer": "code=401"})
    with pytest.raises(GatewayConfigurationError, match="401"):
        gateway.call(OutgoingCall(to=MOBILE, text="x"))


# --- without Prism -----------------------------------------------------------------


def test_missing_credentials_are_refused_at_construction(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE_SID
    settings.TWILIO_FROM_NUMBER = SENDER
    with pytest.raises(GatewayConfigurationError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        TwilioSMSGateway()
    with pytest.raises(GatewayConfigurationError, match="TWILIO_AUTH_TOKEN"):
        TwilioVoiceGateway(account_sid=ACCOUNT_SID)
    settings.OUTBOX_GATEWAYS = {
        "sms": {"BACKEND": "outbox.gateways.twilio.TwilioSMSGateway", "OPTIONS": {}}
    }
    with pytest.raises(GatewayConfigurationError, match="TWILIO_ACCOUNT_SID"):
        gateways.get_sms_gateway()


def test_missing_sender_is_refused_at_construction(settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = ""
    credentials = {"account_sid": ACCOUNT_SID, "auth_token": "t"}
    with pytest.raises(GatewayConfigurationError, match="TWILIO_MESSAGING_SERVICE_SID"):
        TwilioSMSGateway(**credentials)
    # A messaging service sends SMS only; calls need a number.
    with pytest.raises(GatewayConfigurationError, match="TWILIO_FROM_NUMBER"):
        TwilioVoiceGateway(**credentials, messaging_service_sid=SERVICE_SID)


def test_bad_mock_url_or_timeout_is_a_configuration_error():
    credentials = {"account_sid": ACCOUNT_SID, "auth_token": "t", "from_number": SENDER}
    with pytest.raises(GatewayConfigurationError, match="base_url"):
        TwilioSMSGateway(**credentials, base_url="127.0.0.1:4010")
    with pytest.raises(GatewayConfigurationError, match="timeout"):
        TwilioSMSGateway(**credentials, timeout=0)


def test_connection_refused_is_temporary():
    gateway = TwilioSMSGateway(
        account_sid=ACCOUNT_SID,
        auth_token="t",
        from_number=SENDER,
        base_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    with pytest.raises(TemporaryGatewayError, match="unreachable"):
        gateway.send_sms(OutgoingSMS(to=MOBILE, body="x"))


def test_no_answer_in_time_is_temporary():
    with socket.socket() as server:
        # Listening but never accepting: the connection opens, no answer comes.
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        gateway = TwilioVoiceGateway(
            account_sid=ACCOUNT_SID,
            auth_token="t",
            from_number=SENDER,
            base_url=f"http://127.0.0.1:{port}",
            timeout=0.3,
        )
        with pytest.raises(TemporaryGatewayError, match="Timeout"):
            gateway.call(OutgoingCall(to=MOBILE, text="x"))


def test_text_too_long_for_a_call_is_permanent_and_not_sent():
    gateway = TwilioVoiceGateway(
        account_sid=ACCOUNT_SID,
        auth_token="t",
        from_number=SENDER,
        base_url=f"http://127.0.0.1:{free_port()}",
    )
    with pytest.raises(PermanentGatewayError) as caught:
        gateway.call(OutgoingCall(to=MOBILE, text="lang " * 1000))
    assert caught.value.code == "twiml-too-long"
    assert gateway.http_client._test_only_last_request is None


def _rest_error(status: int, code: int | None = None) -> TwilioRestException:
    return TwilioRestException(status, "https://api.twilio.com/x", "Unable to create record", code)


@pytest.mark.parametrize("code", [21211, 21214, 21217, 21408, 21610, 21612, 21614])
def test_number_errors_are_permanent_with_their_code(code):
    error = twilio_error_translate(_rest_error(400, code))
    assert isinstance(error, PermanentGatewayError)
    assert error.code == str(code)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_rest_error(400, 21602), PermanentGatewayError),
        (_rest_error(404, 20404), PermanentGatewayError),
        (_rest_error(401, 20003), GatewayConfigurationError),
        (_rest_error(403, 20003), GatewayConfigurationError),
        (_rest_error(429, 20429), TemporaryGatewayError),
        (_rest_error(500), TemporaryGatewayError),
        (_rest_error(503, 20503), TemporaryGatewayError),
        (TwilioServiceException("about:blank", "Busy", 503, 20503), TemporaryGatewayError),
        (TwilioServiceException("about:blank", "Bad", 400, 21211), PermanentGatewayError),
        (requests.ConnectionError("refused"), TemporaryGatewayError),
        (requests.ReadTimeout("slow"), TemporaryGatewayError),
    ],
)
def test_error_mapping(exc, expected):
    assert type(twilio_error_translate(exc)) is expected


def test_retry_after_header_is_read():
    error = twilio_error_translate(_rest_error(429, 20429), headers={"retry-after": "3"})
    assert error.retry_after == 3.0
    future = "Wed, 21 Oct 2099 07:28:00 GMT"
    error = twilio_error_translate(_rest_error(503), headers={"Retry-After": future})
    assert error.retry_after > 0
    error = twilio_error_translate(_rest_error(503), headers={"Retry-After": "soon"})
    assert error.retry_after is None
