"""The signed charter's communication plan drives Messaging."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from charters.services.charter import (
    charter_draft_create,
    charter_edit,
    charter_sign,
    charter_submit,
)
from messaging.models import Message
from messaging.selectors.policy import DEFAULT_POLICY, communication_policy


def _plan(**changes):
    plan = {
        "urgent": {"channels": ["sms", "voice"], "coordinator_may_send": False,
                   "officer_approves": True, "response_time": "15 min"},
        "feedback": {"channels": ["sms", "email"], "coordinator_may_send": False,
                     "officer_approves": True, "response_time": "24 h"},
        "prevention": {"channels": ["email"], "coordinator_may_send": True,
                       "officer_approves": False, "response_time": "1 week"},
        "info": {"channels": ["email"], "coordinator_may_send": False,
                 "officer_approves": True, "response_time": "1 week"},
    }  # fmt: skip
    for kind, entry in changes.items():
        plan[kind] = {**plan[kind], **entry}
    return plan


def _sign_plan(world, plan):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    version = charter_edit(
        version=version, edited_by=world.users["coordinator"], communication_plan=plan
    )
    charter_submit(version=version, submitted_by=world.users["coordinator"])
    for role, party in (("coordinator", "coordinator"), ("officer", "officer"),
                        ("municipal", "municipality")):  # fmt: skip
        charter_sign(version=version, user=world.users[role], party=party, name="N", role_title="R")
    return version


def _message(world, kind, **channels):
    data = {
        "kind": kind,
        "networks": [world.network.pk],
        "sms_nl": "Sluit uw ramen en deuren.",
        "subject_nl": "Tip",
        "body_nl": "Sluit uw ramen.",
    }
    for name in ("by_sms", "by_email", "by_voice"):
        if channels.get(name):
            data[name] = "on"
    return data


def test_default_policy_until_a_charter_is_signed(world):
    assert communication_policy(network=world.network) is DEFAULT_POLICY
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    charter_submit(version=version, submitted_by=world.users["coordinator"])
    assert communication_policy(network=world.network) is DEFAULT_POLICY


def test_policy_comes_from_the_signed_charter(world):
    version = _sign_plan(world, _plan())
    policy = communication_policy(network=world.network)
    assert policy.charter_number == version.number
    assert policy.coordinator_kinds == ("prevention",)
    assert policy.channels_for("urgent") == ("sms", "voice")
    assert policy.coordinator_may_publish("prevention")
    assert not policy.coordinator_may_publish("info")


def test_coordinator_cannot_send_kinds_the_plan_withholds(client, world):
    _sign_plan(world, _plan())
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("messaging:new"), _message(world, "info", by_email=True))
    assert response.status_code == 200
    assert "As coordinator of" in response.content.decode()
    assert not Message.objects.exists()


def test_channels_the_plan_does_not_allow_are_refused_next_to_the_field(client, world):
    _sign_plan(world, _plan())
    client.force_login(world.users["coordinator"])
    response = client.post(
        reverse("messaging:new"), _message(world, "prevention", by_sms=True, by_email=True)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "by_sms" in form.errors and "by_email" not in form.errors
    assert "only by: Email" in form.errors["by_sms"][0]
    # The police are bound by the plan too.
    client.force_login(world.users["officer"])
    response = client.post(reverse("messaging:new"), _message(world, "urgent", by_email=True))
    assert "by_email" in response.context["form"].errors


def test_coordinator_publishes_directly_what_needs_no_approval(client, world):
    _sign_plan(world, _plan())
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("messaging:new"), _message(world, "prevention", by_email=True))
    assert response.status_code == 302
    message = Message.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("messaging:publish", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED


def test_approval_required_by_the_plan_stops_direct_publishing(client, world):
    _sign_plan(world, _plan(prevention={"officer_approves": True}))
    client.force_login(world.users["coordinator"])
    client.post(reverse("messaging:new"), _message(world, "prevention", by_email=True))
    message = Message.objects.get()
    response = client.post(reverse("messaging:publish", args=[message.pk]))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT


def test_publishing_checks_the_plan_again(client, world):
    """A draft written before the plan changed cannot go out through a refused channel."""
    message = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Inbraak"}}, created_by=world.users["officer"],
        by_sms=True, by_email=True,
    )  # fmt: skip
    message.networks.set([world.network])
    _sign_plan(world, _plan())
    client.force_login(world.users["officer"])
    page = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "does not allow this message" in page
    client.post(reverse("messaging:publish", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
