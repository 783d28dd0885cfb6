"""Drafts, approval and publishing through the API: the same checks and
services as the compose page, and publishing only from an officer's token
in a zone where an admin allowed it."""

from __future__ import annotations

from django.core import mail

from api.scopes import Scope
from messaging.models import Delivery, Message
from tests.api.conftest import draft_payload
from tests.factories import MemberFactory, MessageFactory


def test_officer_creates_and_edits_a_draft(world, api):
    client = api("officer")
    response = client.post("/api/v1/messages/", draft_payload(world), format="json")
    assert response.status_code == 201
    message = Message.objects.get()
    assert response["Location"] == f"/api/v1/messages/{message.pk}/"
    assert message.status == Message.Status.DRAFT
    assert message.created_by == world.users["officer"]
    assert list(message.networks.all()) == [world.network]
    response = client.patch(
        f"/api/v1/messages/{message.pk}/",
        {"streets": ["Kerkstraat"], "by_sms": False},
        format="json",
    )
    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.streets == ["Kerkstraat"] and not message.by_sms and message.by_email
    assert message.texts["nl"]["sms"].startswith("Inbrekers")


def test_the_compose_forms_checks_answer_per_field(world, api):
    client = api("officer")
    payload = draft_payload(
        world, texts={"fr": {"sms": "Cambrioleurs"}}, streets=["Nergensstraat"], by_sms=False,
        by_email=False,
    )  # fmt: skip
    response = client.post("/api/v1/messages/", payload, format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert "texts.nl.sms" in errors  # the network's main language is Dutch
    assert "streets" in errors and "by_sms" in errors
    assert not Message.objects.exists()


def test_shape_errors_are_400(world, api):
    response = api("officer").post(
        "/api/v1/messages/", {"kind": "alarm", "networks": [], "texts": {"xx": {}}}, format="json"
    )
    assert response.status_code == 400
    errors = set(response.json()["errors"])
    assert {"kind", "networks"} <= errors
    assert any(name.startswith("texts.xx") for name in errors)


def test_unknown_or_foreign_networks_are_refused(world, api):
    client = api("officer")
    response = client.post(
        "/api/v1/messages/", draft_payload(world, networks=["nowhere"]), format="json"
    )
    assert response.status_code == 422 and "networks" in response.json()["errors"]
    response = client.post(
        "/api/v1/messages/",
        draft_payload(world, networks=[world.other_network.slug]),
        format="json",
    )
    assert response.status_code == 422 and "networks" in response.json()["errors"]
    assert not Message.objects.exists()


def test_a_coordinator_writes_what_the_plan_allows_and_submits_it(
    world, api, django_capture_on_commit_callbacks
):
    client = api("coordinator")
    urgent = client.post("/api/v1/messages/", draft_payload(world), format="json")
    assert urgent.status_code == 422 and "kind" in urgent.json()["errors"]
    response = client.post(
        "/api/v1/messages/", draft_payload(world, kind="prevention", by_sms=False), format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    # A coordinator's token cannot publish, whatever its scopes say.
    assert client.post(f"/api/v1/messages/{pk}/publish/").status_code == 403
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/messages/{pk}/submit/")
    assert response.status_code == 200
    assert response.json()["status"] == Message.Status.PENDING_APPROVAL
    assert [m.to for m in mail.outbox] == [[world.users["officer"].email]]
    # Submitted: no longer a draft to change or submit.
    assert client.post(f"/api/v1/messages/{pk}/submit/").status_code == 409
    assert client.patch(f"/api/v1/messages/{pk}/", {"streets": []}, format="json").status_code in (
        403,
        409,
    )


def test_officer_publishes_only_where_the_zone_allows_it(
    world, api, django_capture_on_commit_callbacks
):
    MemberFactory(network=world.network)
    client = api("officer")
    draft = MessageFactory(networks=[world.network], created_by=world.users["officer"])
    url = f"/api/v1/messages/{draft.pk}/publish/"
    response = client.post(url)
    assert response.status_code == 403
    assert str(world.zone) in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT
    world.zone.api_publishing_allowed = True
    world.zone.save(update_fields=["api_publishing_allowed"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Message.Status.PUBLISHED
    assert draft.approved_by == world.users["officer"]
    # The fan-out of the pages ran: one delivery per member and channel.
    assert Delivery.objects.filter(message=draft).count() == 4


def test_an_admin_token_does_not_publish(world, api, publishing_zone):
    draft = MessageFactory(networks=[world.network], created_by=world.users["officer"])
    assert api("admin").post(f"/api/v1/messages/{draft.pk}/publish/").status_code == 403


def test_publishing_checks_texts_and_plan_like_the_page(world, api, publishing_zone):
    draft = MessageFactory(networks=[world.network], created_by=world.users["officer"], texts={})
    response = api("officer").post(f"/api/v1/messages/{draft.pk}/publish/")
    assert response.status_code == 422
    assert "texts" in response.json()["errors"]


def test_publish_needs_the_scope_even_for_the_officer(world, api, publishing_zone):
    draft = MessageFactory(networks=[world.network], created_by=world.users["officer"])
    client = api("officer", scopes=[Scope.DRAFTS_WRITE, Scope.MESSAGES_READ])
    assert client.post(f"/api/v1/messages/{draft.pk}/publish/").status_code == 403


def test_message_list_filters(world, api):
    MessageFactory(networks=[world.network], created_by=world.users["officer"], kind="info")
    MessageFactory(networks=[world.network], created_by=world.users["officer"])
    MessageFactory(networks=[world.other_network], created_by=world.users["officer_other"])
    client = api("officer")
    assert len(client.get("/api/v1/messages/").json()["results"]) == 2
    kinds = [m["kind"] for m in client.get("/api/v1/messages/?kind=info").json()["results"]]
    assert kinds == ["info"]
    other = client.get(f"/api/v1/messages/?network={world.other_network.slug}").json()
    assert other["results"] == []


def test_a_draft_takes_a_validity_checked_like_the_page(world, api):
    from datetime import timedelta

    from django.utils import timezone

    client = api("officer")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = client.post(
        "/api/v1/messages/", draft_payload(world, expires_at=past), format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["expires_at"] == ["Choose a moment in the future."]
    far = (timezone.now() + timedelta(days=91)).isoformat()
    response = client.post("/api/v1/messages/", draft_payload(world, expires_at=far), format="json")
    assert response.status_code == 422 and "expires_at" in response.json()["errors"]
    assert not Message.objects.exists()
    until = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    response = client.post(
        "/api/v1/messages/", draft_payload(world, expires_at=until.isoformat()), format="json"
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert message.expires_at == until
    assert response.json()["expires_at"] is not None
    # A PATCH without it keeps it; null takes it away (the kind's default then).
    client.patch(f"/api/v1/messages/{message.pk}/", {"by_email": False}, format="json")
    message.refresh_from_db()
    assert message.expires_at == until
    response = client.patch(f"/api/v1/messages/{message.pk}/", {"expires_at": None}, format="json")
    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.expires_at is None
