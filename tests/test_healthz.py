from __future__ import annotations

import pytest
from django.urls import reverse

from bin_platform import views


def test_healthz_reports_every_component(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_names_what_is_down(client, db, monkeypatch):
    from kombu import Connection

    def unreachable_broker():
        # A real connection attempt to a port nothing listens on.
        with Connection("redis://127.0.0.1:1/0") as conn:
            conn.ensure_connection(max_retries=1, timeout=1)

    monkeypatch.setitem(views.CHECKS, "broker", unreachable_broker)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["components"]["database"] == "ok"


def test_healthz_database_down(client, db, monkeypatch):
    def broken():
        raise OSError("connection refused")

    monkeypatch.setitem(views.CHECKS, "database", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert "refused" not in response.content.decode()  # details stay in the log


@pytest.mark.redis
def test_healthz_on_real_redis(client, db, redis_url, settings):
    """Under CI the cache and the broker are Redis; both must answer."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "redis"
