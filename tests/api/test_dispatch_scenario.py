"""Issue 15's "done when", as other systems would do it: with one token and
the OpenAPI schema alone, a police dispatch system creates and publishes an
urgent alert (the zone allows API publishing), follows its delivery and
receives its signed ``message.completed`` webhook; a municipal system reads
its figures."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta

import yaml
from django.utils import timezone

from api.scopes import Scope
from api.services.tokens import api_token_create
from messaging.models import Delivery
from tests.api.conftest import client_for
from tests.factories import MemberFactory
from tests.webhooks.conftest import receiver_running
from webhooks.models import Event
from webhooks.services.endpoints import webhook_endpoint_create


def _operations(client) -> dict[str, tuple[str, str]]:
    """operationId → (method, path template), read from the published schema."""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    return {
        op["operationId"]: (method, path)
        for path, item in schema["paths"].items()
        for method, op in item.items()
    }


def _call(client, operations, operation_id, body=None, **params):
    method, path = operations[operation_id]
    url = path.format(**params)
    return (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )


def test_dispatch_system_publishes_an_urgent_alert_and_follows_it(
    world, publishing_zone, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    with ExitStack() as stack:
        _scenario(world, stack, django_capture_on_commit_callbacks)


def _scenario(world, stack, django_capture_on_commit_callbacks):
    for _ in range(5):
        MemberFactory(network=world.network)
    # The officer makes the token in the app (MFA-verified, officer role).
    _token, raw = api_token_create(
        user=world.users["officer"],
        name="Dispatch centre",
        scopes=[
            Scope.NETWORKS_READ,
            Scope.DRAFTS_WRITE,
            Scope.MESSAGES_PUBLISH,
            Scope.MESSAGES_READ,
        ],
        expires_at=timezone.now() + timedelta(days=30),
    )
    dispatch = client_for(raw)
    operations = _operations(dispatch)
    # The zone's officer registered the dispatch system's webhook receiver.
    receiver = stack.enter_context(receiver_running())
    _endpoint, receiver.secret = webhook_endpoint_create(
        created_by=world.users["officer"],
        police_zone=world.zone,
        url=receiver.url,
        description="Dispatch centre",
        events=[Event.MESSAGE_PUBLISHED, Event.MESSAGE_COMPLETED],
    )

    networks = _call(dispatch, operations, "networks_list").json()["results"]
    slugs = [n["slug"] for n in networks if n["police_zone"]["api_publishing_allowed"]]
    assert slugs == [world.network.slug]
    alert = {
        "kind": "urgent",
        "networks": slugs,
        "by_sms": True,
        "by_email": True,
        "texts": {
            "nl": {"sms": "Inbrekers actief rond de Kerkstraat. Doe uw buitenlicht aan."},
            "fr": {"sms": "Cambrioleurs actifs autour de la Kerkstraat."},
        },
    }
    created = dispatch.post(
        operations["messages_create"][1], alert, format="json", HTTP_IDEMPOTENCY_KEY="incident-42"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        published = _call(dispatch, operations, "messages_publish", id=pk)
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"

    delivery = _call(dispatch, operations, "messages_delivery", id=pk).json()
    assert delivery["finished"] is True and delivery["percent"] == 100
    assert delivery["total"] == Delivery.objects.filter(message_id=pk).count() == 12
    channels = {c["channel"]: c["counts"] for c in delivery["channels"]}
    assert channels["sms"].get("sent", 0) + channels["sms"].get("delivered", 0) == 6
    assert set(channels) == {"sms", "email"}
    # Its webhook receiver got both notices, signed (Standard Webhooks).
    completed = [p for p in receiver.payloads if p["type"] == "message.completed"]
    assert [p["type"] for p in receiver.payloads] == ["message.published", "message.completed"]
    assert completed[0]["data"]["message"]["id"] == pk


def test_municipal_system_reads_its_aggregates(world):
    _token, raw = api_token_create(
        user=world.users["municipal"],
        name="Stadhuis dashboard",
        scopes=[Scope.AGGREGATES_READ],
        expires_at=timezone.now() + timedelta(days=30),
    )
    system = client_for(raw)
    operations = _operations(system)
    response = _call(
        system, operations, "aggregates_municipality", code=world.municipality.official_code
    )
    assert response.status_code == 200
    body = response.json()
    assert {"networks", "members", "messages"} <= {s["key"] for s in body["sections"]}
    # Its token reads figures only.
    assert _call(system, operations, "messages_list").status_code == 403
