"""The webhook pages: registering shows the secret once, bad targets are
refused next to the field, the delivery log, and who may act on an endpoint."""

from __future__ import annotations

import pytest
from django.urls import reverse

from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def _form(world, **extra):
    data = {
        "police_zone": world.zone.pk,
        "url": "https://93.184.216.34/hooks/bin",
        "description": "Dispatch",
        "events": [Event.MESSAGE_PUBLISHED, Event.MESSAGE_COMPLETED],
    }
    data.update(extra)
    return data


def _endpoint(world) -> WebhookEndpoint:
    endpoint, _secret = webhook_endpoint_create(
        created_by=world.users["officer"], police_zone=world.zone,
        url="https://93.184.216.34/hook", description="", events=[Event.MEMBER_JOINED],
    )  # fmt: skip
    return endpoint


def test_officer_registers_and_sees_the_secret_once(client, world):
    client.force_login(world.users["officer"])
    response = client.post(reverse("webhooks:new"), _form(world))
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret.encode() in response.content
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert endpoint.events == [Event.MESSAGE_PUBLISHED, Event.MESSAGE_COMPLETED]
    assert endpoint.created_by == world.users["officer"]
    detail = client.get(reverse("webhooks:detail", kwargs={"pk": endpoint.pk}))
    assert endpoint.secret.encode() not in detail.content
    listing = client.get(reverse("webhooks:list"))
    assert b"Dispatch" in listing.content
    assert reverse("webhooks:list").encode() in client.get(reverse("accounts:home")).content


@pytest.mark.parametrize(
    "url", ["https://10.0.0.5/hook", "https://169.254.169.254/", "ftp://93.184.216.34/"]
)
def test_internal_targets_refused_next_to_the_field(client, world, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(world.users["officer"])
    response = client.post(reverse("webhooks:new"), _form(world, url=url))
    assert response.status_code == 200
    assert response.context["form"].errors.get("url")
    assert not WebhookEndpoint.objects.exists()
    assert url.encode() in response.content  # what was typed stays


def test_no_event_chosen(client, world):
    client.force_login(world.users["officer"])
    response = client.post(reverse("webhooks:new"), _form(world, events=[]))
    assert response.context["form"].errors.get("events")


def test_officer_cannot_register_for_another_zone(client, world):
    client.force_login(world.users["officer"])
    response = client.post(reverse("webhooks:new"), _form(world, police_zone=world.other_zone.pk))
    assert response.context["form"].errors.get("police_zone")
    assert not WebhookEndpoint.objects.exists()


def test_list_shows_only_the_own_zones(client, world):
    _endpoint(world)
    client.force_login(world.users["officer_other"])
    response = client.get(reverse("webhooks:list"))
    assert b"93.184.216.34" not in response.content


def test_delivery_log(client, world):
    endpoint = _endpoint(world)
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="msg_abc", event_type=Event.MEMBER_JOINED, payload={},
        status="failed", attempts=8, response_status=500, last_error="HTTP 500",
    )  # fmt: skip
    client.force_login(world.users["officer"])
    response = client.get(reverse("webhooks:detail", kwargs={"pk": endpoint.pk}))
    assert b"msg_abc" in response.content and b"HTTP 500" in response.content


def test_switch_off_on_rotate_delete(client, world):
    endpoint = _endpoint(world)
    old_secret = endpoint.secret
    client.force_login(world.users["officer"])

    def act(action):
        return client.post(reverse("webhooks:action", kwargs={"pk": endpoint.pk, "action": action}))

    assert act("disable").status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    act("enable")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    response = act("rotate")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret.encode() in response.content
    assert act("nonsense").status_code == 404
    assert act("delete").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_actions_are_post_only(client, world):
    endpoint = _endpoint(world)
    client.force_login(world.users["officer"])
    url = reverse("webhooks:action", kwargs={"pk": endpoint.pk, "action": "delete"})
    assert client.get(url).status_code == 405
    assert WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "role",
    ["member", "coordinator", "steering", "officer_other", "municipal", "federal"],
)
def test_action_post_matrix(client, world, role):
    endpoint = _endpoint(world)
    client.force_login(world.users[role])
    for action in ("disable", "rotate", "delete"):
        response = client.post(
            reverse("webhooks:action", kwargs={"pk": endpoint.pk, "action": action})
        )
        assert response.status_code in (403, 404)
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_admin_acts_on_any_zone(client, world):
    endpoint = _endpoint(world)
    client.force_login(world.users["admin"])
    client.post(reverse("webhooks:action", kwargs={"pk": endpoint.pk, "action": "disable"}))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
