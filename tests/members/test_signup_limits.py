"""The public sign-up: honeypot and rate limits."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from members.models import Member
from outbox.gateways import locmem
from outbox.models import Notification
from tests.members.signup_helpers import (
    REAL,
    _cache_keys,
    post,
    sms_code,
    submit,
    verify_url,
)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


# --- honeypot, rate limits -----------------------------------------------------


def test_honeypot_behaves_as_success_and_stores_nothing(client, world):
    members = Member.objects.count()
    response = submit(client, world.network, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == verify_url(world.network)
    assert client.get(verify_url(world.network)).status_code == 200
    assert Member.objects.count() == members
    assert not Notification.objects.exists()
    assert not mail.outbox and not locmem.outbox


def test_an_information_evening_on_one_wi_fi_can_sign_up(client, world):
    # Forty neighbours in a hall, one IP address: every one of them gets through,
    # and each types a code from that same address.
    for i in range(40):
        response = submit(
            client, world.network, ip="203.0.113.9", email=f"n{i}@example.org",
            mobile_phone=f"+324705555{i:02d}",
        )  # fmt: skip
        assert response.status_code == 302, i
        for _ in range(3):  # a typo or two, then the code
            post(client, verify_url(world.network), {"code": "000000"}, ip="203.0.113.9")
        assert (
            post(
                client, verify_url(world.network), {"code": sms_code()}, ip="203.0.113.9"
            ).status_code
            == 302
        )
    assert (
        Member.objects.filter(email__startswith="n", phone_verified_at__isnull=False).count() == 40
    )


def test_rate_limit_per_ip_says_how_long_to_wait_and_what_else_to_do(client, world, settings):
    settings.SIGNUP_RATE_LIMITS = {"submit_ip": (10, 3600)}
    for i in range(10):
        response = submit(
            client, world.network, email=f"n{i}@example.org", mobile_phone=f"+3247055550{i}"
        )
        assert response.status_code == 302
    members = Member.objects.count()
    notifications = Notification.objects.count()
    response = submit(client, world.network, email="n10@example.org", mobile_phone="+32470555510")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please try again in 60 minutes" in page
    assert "use your mobile data" in page and "ask the network&#x27;s coordinator" in page
    assert Member.objects.count() == members
    assert Notification.objects.count() == notifications
    # Another address is not affected.
    assert submit(client, world.network, ip="192.0.2.77", email="x@example.org",
                  mobile_phone="+32470555599").status_code == 302  # fmt: skip


def test_the_wait_shown_is_what_is_left_of_the_window(client, world, settings, monkeypatch):
    import time

    settings.SIGNUP_RATE_LIMITS = {"submit_ip": (1, 3600)}
    start = time.time()
    submit(client, world.network, email="a@example.org", mobile_phone="+32470555501")
    monkeypatch.setattr(time, "time", lambda: start + 3001)
    response = submit(client, world.network, email="b@example.org", mobile_phone="+32470555502")
    assert response.status_code == 429
    assert "try again in 10 minutes" in response.content.decode(), re.findall(
        r"try again in [^.]*", response.content.decode()
    )


def test_rate_limit_per_email_and_phone(client, world):
    for i in range(3):
        assert submit(client, world.network, ip=f"192.0.2.{10 + i}").status_code == 302
    response = submit(client, world.network, ip="192.0.2.20")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please try again in 24 hours" in page and "Look in your mailbox" in page
    response = submit(
        client, world.network, ip="192.0.2.21", email="other@example.org"
    )  # same phone
    assert response.status_code == 429
    assert Member.objects.filter(email="other@example.org").count() == 0


def test_code_attempts_are_rate_limited_per_ip(client, world, settings):
    settings.SIGNUP_RATE_LIMITS = {"code_ip": (2, 3600)}
    submit(client, world.network)
    for _ in range(2):
        assert post(client, verify_url(world.network), {"code": "000000"}).status_code == 200
    response = post(client, verify_url(world.network), {"code": sms_code()})
    assert response.status_code == 429
    assert "Please try again in 60 minutes" in response.content.decode()
    assert Member.objects.get(email="an.claes@example.org").phone_verified_at is None


def test_resend_is_limited(client, world):
    submit(client, world.network)
    for _ in range(3):
        assert post(client, verify_url(world.network), {"action": "resend"}).status_code == 302
    response = post(client, verify_url(world.network), {"action": "resend"})
    assert response.status_code == 429
    assert "several new codes" in response.content.decode()
    assert len(locmem.outbox) == 4


def test_resend_is_limited_per_ip(client, world, settings):
    settings.SIGNUP_RATE_LIMITS = {"resend_ip": (2, 3600)}
    other = client.__class__()
    submit(client, world.network)
    submit(other, world.network, ip="192.0.2.2", **REAL)
    for _ in range(2):
        response = post(client, verify_url(world.network), {"action": "resend"}, ip="203.0.113.5")
        assert response.status_code == 302
    # Another sign-up, the same IP address: refused, though its own limit is not reached.
    response = post(other, verify_url(world.network), {"action": "resend"}, ip="203.0.113.5")
    assert response.status_code == 429
    assert "this internet connection" in response.content.decode()
    assert len(locmem.outbox) == 4
    response = post(other, verify_url(world.network), {"action": "resend"}, ip="203.0.113.6")
    assert response.status_code == 302
    assert len(locmem.outbox) == 5


def test_rate_limit_counts_in_the_cache_without_addresses(client, world):
    from members.services.signup_codes import signup_rate_limit_hit

    results = [signup_rate_limit_hit(scope="resend", value="x") for _ in range(4)]
    assert results == [False, False, False, True]
    submit(client, world.network)
    keys = _cache_keys()
    assert any("signup:rl:submit_email" in key for key in keys)
    assert not any("an.claes" in key or "470123456" in key for key in keys)
