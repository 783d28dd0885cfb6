"""The benchmark's parts that run without servers: the mocks in-process
(through the real Twilio gateway and Django's SMTP backend) and the JSON
summary. `make bench` itself needs PostgreSQL, Redis and minutes."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.core.mail import EmailMessage, get_connection

from benchmarks.mock_servers import TwilioMock
from benchmarks.smtp_sink import SMTPSink
from benchmarks.summary import (
    PROVIDER_KEYS,
    REQUIRED_KEYS,
    percentile,
    provider_summary,
    summary_build,
    summary_lines,
    summary_write,
)
from outbox.gateways.base import OutgoingSMS, PermanentGatewayError, TemporaryGatewayError
from outbox.gateways.twilio import TwilioSMSGateway

ACCOUNT_SID = "AC" + "c" * 32


@pytest.fixture
def twilio():
    with TwilioMock(account_sid=ACCOUNT_SID) as mock:
        yield mock


@pytest.fixture
def gateway(twilio):
    return TwilioSMSGateway(
        base_url=twilio.url,
        account_sid=ACCOUNT_SID,
        auth_token="t" * 32,
        from_number="+3253606464",
        status_callback_base="https://bin.example.org",
    )


def test_the_twilio_mock_answers_like_twilio_and_counts(twilio, gateway):
    first = gateway.send_sms(OutgoingSMS(to="+32470000001", body="Inbraak"))
    second = gateway.send_sms(OutgoingSMS(to="+32470000001", body="Inbraak"))
    gateway.send_sms(OutgoingSMS(to="+32470000002", body="Inbraak"))
    assert first.provider_id.startswith("SM") and len(first.provider_id) == 34
    assert first.provider_id != second.provider_id
    assert first.status == "queued"
    assert twilio.count_for("+32470000001") == 2
    stats = twilio.stats()
    assert stats["total"] == stats["accepted"] == 3
    assert stats["first_at"] <= stats["last_at"]
    sent = twilio.messages[0]
    assert sent["body"] == "Inbraak" and sent["from"] == "+3253606464"
    assert sent["status_callback"] == "https://bin.example.org/webhooks/twilio/status/"


def test_the_twilio_mock_injects_faults(twilio, gateway):
    twilio.fail_first(1, status=429, retry_after=7)
    with pytest.raises(TemporaryGatewayError) as rate_limited:
        gateway.send_sms(OutgoingSMS(to="+32470000001", body="x"))
    assert rate_limited.value.retry_after == 7
    twilio.fail_numbers(["+32470000009"])
    with pytest.raises(PermanentGatewayError) as invalid:
        gateway.send_sms(OutgoingSMS(to="+32470000009", body="x"))
    assert invalid.value.code == "21211"
    twilio.fail_number_times("+32470000003", 1, status=500)
    with pytest.raises(TemporaryGatewayError):
        gateway.send_sms(OutgoingSMS(to="+32470000003", body="x"))
    assert gateway.send_sms(OutgoingSMS(to="+32470000003", body="x")).provider_id
    twilio.fail_burst(every=3, length=1, status=503)
    outcomes = []
    for _ in range(6):
        try:
            gateway.send_sms(OutgoingSMS(to="+32470000004", body="x"))
            outcomes.append("ok")
        except TemporaryGatewayError:
            outcomes.append("503")
    assert outcomes == ["503", "ok", "ok", "503", "ok", "ok"]
    assert twilio.stats()["by_status"] == {"201": 5, "400": 1, "429": 1, "500": 1, "503": 2}
    twilio.reset()
    assert twilio.stats()["total"] == 0
    assert gateway.send_sms(OutgoingSMS(to="+32470000009", body="x")).provider_id


def test_the_twilio_mock_models_the_provider(twilio, gateway):
    """Latency per request, the account's concurrency limit (429/20429
    beyond, at once), the highest concurrency it saw."""
    assert twilio.stats()["latency"] == 0.2 and twilio.stats()["max_concurrent"] == 100
    twilio.set_latency(0.3)
    twilio.set_max_concurrent(4)
    began = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(
            pool.map(
                lambda n: _outcome(gateway, OutgoingSMS(to=f"+3247000{n:04d}", body="x")),
                range(6),
            )
        )
    assert time.monotonic() - began >= 0.3
    assert sorted(outcomes) == ["429"] * 2 + ["ok"] * 4
    stats = twilio.stats()
    assert stats["max_concurrency"] == 4 and stats["limit_429s"] == 2
    assert stats["by_status"] == {"201": 4, "429": 2}
    twilio.reset()  # back to the provider model it started with
    assert twilio.stats()["max_concurrent"] == 100


def _outcome(gateway, message) -> str:
    try:
        gateway.send_sms(message)
    except TemporaryGatewayError as exc:
        assert exc.rate_limited and "20429" in str(exc)
        return "429"
    return "ok"


def test_an_in_doubt_sms_is_found_at_the_mock_by_recipient_and_text(twilio, gateway):
    twilio.set_latency(0)
    since = datetime.now(UTC)
    sent = OutgoingSMS(to="+32470000001", body="Inbraak d1", reference="d1")
    result = gateway.send_sms(sent)
    gateway.send_sms(OutgoingSMS(to="+32470000001", body="Other text"))
    assert twilio.messages[0]["status_callback"].endswith("/webhooks/twilio/status/?ref=d1")
    found = gateway.lookup_sms(sent, since=since)
    assert found is not None and found.provider_id == result.provider_id
    never = OutgoingSMS(to="+32470000002", body="Inbraak d2", reference="d2")
    assert gateway.lookup_sms(never, since=since) is None
    # Sent before the claim: an older message with the same text is not this one.
    assert gateway.lookup_sms(sent, since=since + timedelta(minutes=5)) is None
    assert twilio.stats()["lookups"] == 3


def test_the_control_endpoints(twilio):
    session = requests.Session()
    session.trust_env = False
    url = f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert session.post(url, data={"To": "+32470000001"}).status_code == 401  # no auth
    assert session.post(
        f"{twilio.url}/__mock__/faults", json={"fail_first": {"count": 1, "status": 500}}
    ).ok
    assert (
        session.post(url, data={"To": "+32470000001"}, auth=(ACCOUNT_SID, "t")).status_code == 500
    )
    assert (
        session.post(url, data={"To": "+32470000001"}, auth=(ACCOUNT_SID, "t")).status_code == 201
    )
    stats = session.get(f"{twilio.url}/__mock__/stats?per_to=1").json()["twilio"]
    # A request without credentials is refused before it counts.
    assert stats["by_status"] == {"201": 1, "500": 1} and stats["total"] == 2
    assert stats["per_to"] == {"+32470000001": 2}
    assert session.post(f"{twilio.url}/__mock__/faults", json={"nope": 1}).status_code == 400
    assert session.post(f"{twilio.url}/__mock__/reset").ok
    assert session.get(f"{twilio.url}/__mock__/stats").json()["twilio"]["total"] == 0


def test_the_smtp_sink_counts_messages_and_recipients():
    with SMTPSink() as sink:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host=sink.host, port=sink.port
        )
        with connection:
            for n in range(3):
                EmailMessage(
                    subject="Dringend",
                    body="Licht aan",
                    to=[f"lid{n}@example.org", "Coordinator@example.org"],
                    connection=connection,
                ).send()
        stats = sink.stats()
    assert stats["total"] == 3 and stats["recipients"] == 6
    assert sink.count_for("coordinator@example.org") == 3
    assert b"Licht aan" in sink.messages[0]["data"]


def test_percentiles():
    assert percentile([], 95) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile(list(range(1, 101)), 50) == pytest.approx(50.5)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_the_summary_has_every_figure_and_ends_the_output(tmp_path):
    summary = summary_build(
        members=100,
        fanout_deliveries=200,
        fanout_seconds=0.5,
        first_delivery_seconds=0.1,
        raw_requests=200,
        raw_seconds=0.2,
        member_list_ms=[10.0] * 19 + [200.0],
        alert_post_ms=[50.0] * 20,
        callbacks=100,
        callbacks_seconds=0.25,
        alert_post_small_ms=[40.0],
        provider_model=provider_summary(
            {
                "latency": 0.2,
                "max_concurrent": 100,
                "sms": 100,
                "sms_seconds": 0.25,
                "email": 100,
                "email_seconds": 0.5,
                "twilio_requests": 110,
                "provider_429s": 10,
                "max_concurrency": 100,
                "seconds": 0.5,
                "first": 0.2,
            },
            members=100,
            workers=2,
        ),
    )
    assert set(REQUIRED_KEYS) <= set(summary)
    provider = summary["provider_model"]
    assert set(PROVIDER_KEYS) <= set(provider)
    assert provider["provider_limit_per_second"] == 500.0
    assert provider["sms_per_second"] == 400.0 and provider["email_per_second"] == 200.0
    assert provider["ratio_to_provider_limit"] == 0.8
    assert provider["provider_429_share"] == pytest.approx(0.0909)
    assert summary["fanout_per_second"] == 400.0
    assert summary["raw_per_second"] == 1000.0
    assert summary["ratio_to_raw"] == 0.4
    assert summary["callbacks_per_second"] == 400.0
    assert summary["member_list_p95_ms"] == pytest.approx(19.5)
    assert summary["targets_met"] == {
        "fanout_per_second": False,
        "ratio_to_raw": False,
        "first_delivery_seconds": True,
        "alert_post_p95_ms": True,
        "member_list_p95_ms": True,
        "provider_model.ratio_to_provider_limit": True,
        "provider_model.alert_seconds": True,
        "provider_model.first_delivery_seconds": True,
        "provider_model.provider_429_share": False,
    }
    assert any("MISSED" in line for line in summary_lines(summary))
    assert any("ratio to provider limit   0.8" in line for line in summary_lines(summary))
    path = summary_write(summary, tmp_path)
    assert path.suffix == ".json"
    assert json.loads(path.read_text())["fanout_deliveries"] == 200
