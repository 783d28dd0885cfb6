from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

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
