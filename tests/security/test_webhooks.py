"""Webhook endpoints: only the ones in use are mounted. Twilio's signature
checks are in tests/messaging/test_webhooks.py."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from bin_platform.urls import anymail_webhook_urls


def test_only_the_configured_email_providers_webhooks_exist():
    names = {p.name for p in anymail_webhook_urls("anymail.backends.mailgun.EmailBackend")}
    assert names == {"mailgun_inbound_webhook", "mailgun_tracking_webhook"}
    ses = {p.name for p in anymail_webhook_urls("anymail.backends.amazon_ses.EmailBackend")}
    assert ses == {"amazon_ses_inbound_webhook", "amazon_ses_tracking_webhook"}
    # SMTP or the console: no provider, no webhook.
    assert anymail_webhook_urls("django.core.mail.backends.smtp.EmailBackend") == []
    assert anymail_webhook_urls("django.core.mail.backends.locmem.EmailBackend") == []


def test_unconfigured_providers_are_not_reachable(client):
    # The test settings send through locmem: none of anymail's 27 endpoints,
    # which would answer anyone with a server error, is mounted.
    with pytest.raises(NoReverseMatch):
        reverse("anymail:amazon_ses_inbound_webhook")
    response = client.post("/anymail/amazon_ses/inbound/", "{}", content_type="application/json")
    assert response.status_code == 404
