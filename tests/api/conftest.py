"""Fixtures of the REST API tests: tokens for the world's users, a JSON client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, token_hash
from api.scopes import Scope

ALL_SCOPES = tuple(Scope.values)


def make_token(user, scopes=ALL_SCOPES, *, days: int = 30) -> str:
    """A token straight in the database, any scope for any user: the request
    must refuse what the owner's roles do not allow, whatever the token says.
    (The service that users go through is tested in test_tokens.py.)"""
    import secrets

    prefix = secrets.token_hex(6)
    raw = f"bin_{prefix}_{secrets.token_urlsafe(32)}"
    ApiToken.objects.create(
        user=user,
        name="test",
        prefix=prefix,
        secret_hash=token_hash(raw),
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return raw


def client_for(raw: str | None) -> APIClient:
    client = APIClient()
    if raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(world):
    """``api(role, scopes=...)``: an APIClient with a token of the world's user."""

    def build(role: str, scopes=ALL_SCOPES) -> APIClient:
        user = world.users[role]
        return client_for(make_token(user, scopes) if user is not None else None)

    return build


@pytest.fixture
def publishing_zone(world):
    """The world's zone lets its officers publish through the API."""
    world.zone.api_publishing_allowed = True
    world.zone.save(update_fields=["api_publishing_allowed"])
    return world.zone


def draft_payload(world, **overrides) -> dict:
    payload = {
        "kind": "urgent",
        "networks": [world.network.slug],
        "by_sms": True,
        "by_email": True,
        "texts": {"nl": {"sms": "Inbrekers actief in de Kerkstraat, doe uw licht aan."}},
    }
    payload.update(overrides)
    return payload
