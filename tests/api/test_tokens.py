"""Staff make API tokens for themselves: name, scopes, expiry; shown once,
stored hashed, revocable, last use recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.scopes import Scope
from api.services.tokens import api_token_create, api_token_revoke, api_token_scopes_for
from tests.api.conftest import client_for
from tests.factories import UserFactory, user_with_role

URL = "/manage/api/tokens/"


def _create(client, **data):
    body = {
        "name": "Dispatch",
        "scopes": [Scope.MESSAGES_READ],
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    body.update(data)
    return client.post(URL, body)


def test_the_token_is_shown_once_and_stored_hashed(client, world):
    client.force_login(world.users["officer"])
    response = _create(client, scopes=[Scope.MESSAGES_READ, Scope.MESSAGES_PUBLISH])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(bin_[^"]+)"', response.content.decode())[1]
    token = ApiToken.objects.get()
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())
    assert token.scopes == [Scope.MESSAGES_READ, Scope.MESSAGES_PUBLISH]
    assert token.user == world.users["officer"]
    # The list never shows it again, only its prefix.
    page = client.get(URL).content.decode()
    assert raw not in page and token.prefix in page
    assert client_for(raw).get("/api/v1/messages/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoking_stops_the_token_at_once(client, world):
    client.force_login(world.users["officer"])
    _token, raw = api_token_create(
        user=world.users["officer"],
        name="x",
        scopes=[Scope.NETWORKS_READ],
        expires_at=timezone.now() + timedelta(days=1),
    )
    token = ApiToken.objects.get()
    response = client.post(reverse("api:tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_for(raw).get("/api/v1/networks/").status_code == 401


def test_nobody_revokes_another_users_token(client, world):
    token, _raw = api_token_create(
        user=world.users["officer"],
        name="x",
        scopes=[Scope.NETWORKS_READ],
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(world.users["coordinator"])
    assert client.post(reverse("api:tokens:revoke", args=[token.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, revoked_by=world.users["coordinator"])
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"scopes": []}, "scopes"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"expires_on": "2999-01-01"}, "expires_on"),
        ({"scopes": ["bogus:scope"]}, "scopes"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(client, world, data, field):
    client.force_login(world.users["officer"])
    response = _create(client, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_officer_scopes_are_offered_to_officers_only(world):
    officer = set(api_token_scopes_for(user=world.users["officer"]))
    coordinator = set(api_token_scopes_for(user=world.users["coordinator"]))
    admin = set(api_token_scopes_for(user=world.users["admin"]))
    assert officer == set(Scope.values)
    assert Scope.MESSAGES_PUBLISH not in coordinator | admin
    assert Scope.MEMBER_CONTACT_READ not in coordinator | admin
    assert Scope.MEMBER_REPORTS_READ in admin and Scope.MEMBER_REPORTS_READ not in coordinator
    with pytest.raises(ValidationError):
        api_token_create(
            user=world.users["coordinator"],
            name="x",
            scopes=[Scope.MESSAGES_PUBLISH],
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_a_coordinator_cannot_post_an_officer_scope(client, world):
    client.force_login(world.users["coordinator"])
    response = _create(client, scopes=[Scope.MESSAGES_PUBLISH])
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_tokens_need_a_second_factor_and_a_role(client, world):
    without_mfa = user_with_role("steering", scope=world.network, mfa=False)
    with pytest.raises(PermissionDenied):
        api_token_create(
            user=without_mfa,
            name="x",
            scopes=[Scope.NETWORKS_READ],
            expires_at=timezone.now() + timedelta(days=1),
        )
    client.force_login(without_mfa)
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302
