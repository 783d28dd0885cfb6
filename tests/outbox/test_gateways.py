from __future__ import annotations

import io

import pytest

from outbox import gateways
from outbox.gateways import locmem
from outbox.gateways.base import OutgoingCall, OutgoingSMS
from outbox.gateways.file import file_outbox_read


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def test_tests_use_the_locmem_gateways():
    result = gateways.get_sms_gateway().send_sms(OutgoingSMS(to="+32470123456", body="Licht aan"))
    assert result.provider_id.startswith("locmem-sms-")
    gateways.get_voice_gateway().call(OutgoingCall(to="+3253606464", text="Alarm", language="fr"))
    assert [m.to for m in locmem.outbox] == ["+32470123456", "+3253606464"]


def test_backend_and_options_come_from_settings(settings):
    stream = io.StringIO()
    console = "outbox.gateways.console."
    settings.OUTBOX_GATEWAYS = {
        "sms": {"BACKEND": console + "ConsoleSMSGateway", "OPTIONS": {"stream": stream}},
        "voice": {"BACKEND": console + "ConsoleVoiceGateway", "OPTIONS": {"stream": stream}},
    }
    gateways.get_sms_gateway().send_sms(OutgoingSMS(to="+32470123456", body="Inbraak Kerkstraat"))
    gateways.get_voice_gateway().call(OutgoingCall(to="+32470123456", text="Inbraak"))
    assert "SMS to +32470123456" in stream.getvalue()
    assert "Inbraak Kerkstraat" in stream.getvalue()
    assert "voice call to +32470123456" in stream.getvalue()


def test_file_gateway_keeps_each_message(settings, tmp_path):
    file = "outbox.gateways.file."
    settings.OUTBOX_GATEWAYS = {
        "sms": {"BACKEND": file + "FileSMSGateway", "OPTIONS": {"path": tmp_path}},
        "voice": {"BACKEND": file + "FileVoiceGateway", "OPTIONS": {"path": tmp_path}},
    }
    first = gateways.get_sms_gateway().send_sms(OutgoingSMS(to="+32470123456", body="één"))
    gateways.get_voice_gateway().call(OutgoingCall(to="+3253606464", text="twee"))
    stored = file_outbox_read(path=tmp_path)
    assert [m["kind"] for m in stored] == ["voice", "sms"]
    assert stored[1]["body"] == "één" and stored[1]["provider_id"] == first.provider_id


def test_unknown_backend_is_a_clear_error(settings):
    settings.OUTBOX_GATEWAYS = {"sms": {"BACKEND": "nowhere.Gateway"}}
    with pytest.raises(gateways.GatewayConfigurationError, match=r"nowhere\.Gateway"):
        gateways.get_sms_gateway()
    with pytest.raises(gateways.GatewayConfigurationError, match="voice"):
        gateways.get_voice_gateway()
