"""Login and password-reset throttling, on the configured cache (Redis in CI)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tests.conftest import IN_CI


def test_failed_logins_are_throttled_per_account(client, world):
    email = world.users["officer"].email
    throttled = "Too many failed login attempts"
    bodies = [
        client.post(
            reverse("account_login"), {"login": email, "password": "wrong"}
        ).content.decode()
        for _ in range(6)
    ]
    assert all(throttled not in body for body in bodies[:5])
    assert throttled in bodies[5]
    # Even the right password is refused while throttled.
    response = client.post(
        reverse("account_login"), {"login": email, "password": "correct horse battery"}
    )
    assert throttled in response.content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302


def test_password_reset_is_throttled(client, world):
    email = world.users["coordinator"].email
    codes = [
        client.post(reverse("account_reset_password"), {"email": email}).status_code
        for _ in range(7)
    ]
    assert 429 in codes


def test_throttling_uses_redis_under_ci():
    if IN_CI:
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
