from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from messaging.models import Reply
from outbox.gateways.base import OutgoingSMS
from outbox.gateways.file import FileEmailBackend, FileSMSGateway, file_outbox_read


def test_outbox_page_shows_what_each_phone_and_mailbox_received(client, db, settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    FileSMSGateway().send_sms(OutgoingSMS(to="+32470123456", body="123456 is uw code"))
    message = EmailMultiAlternatives("Bevestig", "Klik op de link", to=["an@example.org"])
    message.attach_alternative("<p>Klik</p>", "text/html")
    assert FileEmailBackend().send_messages([message]) == 1
    stored = file_outbox_read()
    assert {m["kind"] for m in stored} == {"sms", "email"}
    page = client.get(reverse("outbox:dev_outbox")).content.decode()
    assert "123456 is uw code" in page and "an@example.org" in page
    only_phone = client.get(reverse("outbox:dev_outbox"), {"to": "+32470123456"}).content.decode()
    assert "Klik op de link" not in only_phone and "123456 is uw code" in only_phone


def test_outbox_page_does_not_exist_in_production(client, db, settings):
    settings.DEBUG = False
    assert client.get(reverse("outbox:dev_outbox")).status_code == 404


# --- a member's SMS, simulated through the signed webhook ----------------------


@pytest.fixture
def dev(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.TWILIO_AUTH_TOKEN = "local-development-only"  # nosec B105
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    settings.TWILIO_WEBHOOK_BASE_URL = ""


def test_simulated_stop_goes_through_the_signed_webhook(client, world, dev):
    member = world.member
    response = client.post(
        reverse("outbox:dev_inbound_sms"),
        {"from_number": str(member.mobile_phone), "body": "Arrêt"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("outbox:dev_outbox") + "?to=")
    member.refresh_from_db()
    assert member.by_sms is False and member.sms_opted_out_at
    # The answer is in the phone's outbox, as Twilio would have delivered it.
    answer = [m for m in file_outbox_read() if m["to"] == str(member.mobile_phone)]
    assert answer and "START" in answer[0]["body"]
    page = client.get(response["Location"]).content.decode()
    assert "START" in page and 'name="from_number"' in page


def test_simulated_reply_is_stored(client, world, dev):
    client.post(
        reverse("outbox:dev_inbound_sms"),
        {"from_number": str(world.member.mobile_phone), "body": "Ik zag ze aan nummer 12"},
    )
    assert Reply.objects.get().member == world.member


def test_a_wrong_token_is_refused_by_the_webhook(client, world, dev, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = client.post(
        reverse("outbox:dev_inbound_sms"),
        {"from_number": str(world.member.mobile_phone), "body": "STOP"},
    )
    assert response.status_code == 400
    assert "TWILIO_AUTH_TOKEN" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.by_sms is True


def test_bad_input_is_shown_next_to_the_field(client, world, dev):
    response = client.post(reverse("outbox:dev_inbound_sms"), {"from_number": "12", "body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a phone number" in html and 'value="12"' in html


def test_no_simulation_in_production(client, world, settings):
    settings.DEBUG = False
    response = client.post(
        reverse("outbox:dev_inbound_sms"),
        {"from_number": str(world.member.mobile_phone), "body": "STOP"},
    )
    assert response.status_code == 404
    world.member.refresh_from_db()
    assert world.member.by_sms is True


def test_a_recipient_s_older_messages_are_found_behind_newer_ones(client, db, settings, tmp_path):
    # One phone's code, then more than the page's 200 and the reader's 500
    # newest messages to others: the phone's message is still listed and shown.
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    gateway = FileSMSGateway()
    gateway.send_sms(OutgoingSMS(to="+32470999999", body="654321 is uw code"))
    for i in range(510):
        gateway.send_sms(OutgoingSMS(to=f"+3247{i:07d}", body="Alarm"))
    assert file_outbox_read(to="+32470999999") == [file_outbox_read(limit=600)[-1]]
    url = reverse("outbox:dev_outbox")
    assert "+32470999999" in client.get(url).content.decode()
    only = client.get(url, {"to": "+32470999999"}).content.decode()
    assert "654321 is uw code" in only and "Nothing sent yet" not in only
