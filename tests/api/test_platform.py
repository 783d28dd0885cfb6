"""What every API operation shares: bearer tokens, problem+json errors,
cursor pagination, per-token rate limits and idempotent writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from api.models import ApiToken, IdempotencyRecord
from api.problems import Conflict
from api.scopes import Scope
from api.services.idempotency import idempotency_purge, idempotency_run
from messaging.models import Message
from tests.api.conftest import client_for, draft_payload, make_token
from tests.factories import MessageFactory, NetworkFactory

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    return body


def test_no_token_wrong_token_expired_or_revoked_token_is_401(world):
    assert _problem(client_for(None).get("/api/v1/networks/"), 401)
    response = client_for("bin_000000000000_nope").get("/api/v1/networks/")
    _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    raw = make_token(world.users["officer"])
    token = ApiToken.objects.get(prefix=raw.split("_")[1])
    assert client_for(raw).get("/api/v1/networks/").status_code == 200
    # The right prefix with another secret is not the token.
    assert client_for(raw[:-4] + "AAAA").get("/api/v1/networks/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _problem(client_for(raw).get("/api/v1/networks/"), 401)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    _problem(client_for(raw).get("/api/v1/networks/"), 401)


def test_a_deactivated_owner_stops_the_token(world):
    raw = make_token(world.users["officer"])
    world.users["officer"].is_active = False
    world.users["officer"].save(update_fields=["is_active"])
    _problem(client_for(raw).get("/api/v1/networks/"), 401)


def test_rights_follow_the_owners_roles_at_each_request(world):
    """Revoking the role takes the network out of the next answer."""
    from networks.models import RoleAssignment

    client = client_for(make_token(world.users["coordinator"]))
    assert [n["slug"] for n in client.get("/api/v1/networks/").json()["results"]] == ["oordegem"]
    RoleAssignment.objects.filter(user=world.users["coordinator"]).update(revoked_at=timezone.now())
    assert client.get("/api/v1/networks/").json()["results"] == []
    _problem(client.get(f"/api/v1/networks/{world.network.slug}/"), 404)


def test_last_used_is_recorded(world):
    raw = make_token(world.users["officer"])
    token = ApiToken.objects.get(prefix=raw.split("_")[1])
    assert token.last_used_at is None
    client_for(raw).get("/api/v1/networks/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_invalid_filters_are_400_with_errors_per_field(world, api):
    body = _problem(api("officer").get("/api/v1/messages/?status=sent&published_after=x"), 400)
    assert set(body["errors"]) == {"status", "published_after"}


def test_unknown_paths_under_the_api_are_problem_404(world, api):
    _problem(api("officer").get("/api/v1/nothing-here/"), 404)
    _problem(api("officer").get("/api/v1/messages/abc/"), 404)


def test_cursor_pagination_walks_every_row_once(world, api):
    for n in range(7):
        NetworkFactory(municipality=world.municipality, slug=f"extra-{n}")
    client = api("officer")
    seen: list[str] = []
    url = "/api/v1/networks/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [n["slug"] for n in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 8
    _problem(client.get("/api/v1/networks/?cursor=not-a-cursor"), 404)


def test_network_filters(world, api):
    NetworkFactory(municipality=world.municipality, slug="binz-one", kind="binz")
    client = api("officer")
    slugs = {n["slug"] for n in client.get("/api/v1/networks/?kind=binz").json()["results"]}
    assert slugs == {"binz-one"}
    code = world.municipality.official_code
    assert len(client.get(f"/api/v1/networks/?municipality={code}").json()["results"]) == 2
    assert client.get("/api/v1/networks/?police_zone=0000").json()["results"] == []


def test_rate_limit_per_token(world, settings):
    settings.API_RATE_LIMIT = "3/min"
    first = client_for(make_token(world.users["officer"]))
    second = client_for(make_token(world.users["officer"]))
    for _ in range(3):
        assert first.get("/api/v1/networks/").status_code == 200
    response = first.get("/api/v1/networks/")
    _problem(response, 429)
    assert int(response["Retry-After"]) > 0
    # Another token of the same owner has its own count.
    assert second.get("/api/v1/networks/").status_code == 200


def test_same_idempotency_key_and_body_give_the_same_result_once(world, api):
    client = api("officer")
    payload = draft_payload(world)
    first = client.post("/api/v1/messages/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/messages/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Message.objects.count() == 1
    other = {**payload, "kind": "info"}
    body = _problem(
        client.post("/api/v1/messages/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1"), 422
    )
    assert "Idempotency-Key" in body["errors"]
    assert Message.objects.count() == 1
    # Another key is another request.
    client.post("/api/v1/messages/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert Message.objects.count() == 2


def test_a_refused_write_is_not_remembered(world, api):
    """A request that failed may be sent again with the same key once fixed."""
    client = api("officer")
    bad = draft_payload(world, texts={"fr": {"sms": "Cambrioleurs"}})  # no Dutch text
    response = client.post("/api/v1/messages/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    good = draft_payload(world)
    response = client.post("/api/v1/messages/", good, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201


def test_idempotent_publish_publishes_once(world, api, publishing_zone):
    client = api("officer")
    draft = MessageFactory(networks=[world.network], created_by=world.users["officer"])
    url = f"/api/v1/messages/{draft.pk}/publish/"
    assert client.post(url, HTTP_IDEMPOTENCY_KEY="p").status_code == 200
    replay = client.post(url, HTTP_IDEMPOTENCY_KEY="p")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    # Without the key, a second publish is a conflict, not a second alert.
    _problem(client.post(url), 409)


def test_keys_are_per_token_and_expire(world, api, settings):
    payload = draft_payload(world)
    api("officer").post("/api/v1/messages/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    api("officer").post("/api/v1/messages/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert Message.objects.count() == 2
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS + 1)
    )
    assert idempotency_purge() == 2


def test_a_too_long_idempotency_key_is_refused(world, api):
    response = api("officer").post(
        "/api/v1/messages/", draft_payload(world), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
    )
    _problem(response, 400)


def test_token_without_the_scope_is_403(world, api):
    client = api("officer", scopes=[Scope.NETWORKS_READ])
    body = _problem(client.get("/api/v1/messages/"), 403)
    assert "scope" in body["detail"]


def test_a_concurrent_duplicate_gets_409_and_writes_nothing(world):
    """Two requests with one key at the same moment: the one that stores its
    answer second gets 409, and its writes are rolled back with it."""
    raw = make_token(world.users["officer"])
    token = ApiToken.objects.get(prefix=raw.split("_")[1])
    request = Request(
        APIRequestFactory().post(
            "/api/v1/messages/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same"
        ),
        parsers=[JSONParser()],
    )

    def handler() -> Response:
        MessageFactory(networks=[world.network], created_by=world.users["officer"])
        # Meanwhile the other request stored its answer under the same key.
        IdempotencyRecord.objects.create(
            token=token, key="same", request_hash="x", status_code=201, body={}
        )
        return Response({"id": 1}, status=201)

    with pytest.raises(Conflict):
        idempotency_run(request=request, token=token, handler=handler)
    assert not Message.objects.exists()
