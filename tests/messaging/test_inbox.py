"""Replies inbox: read, answer, forward; privacy mode; other networks refused."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from messaging.models import Reply
from outbox.gateways import locmem


@pytest.fixture
def reply(world):
    locmem.outbox.clear()
    return Reply.objects.create(
        network=world.network,
        member=world.member,
        channel="sms",
        from_address=str(world.member.mobile_phone),
        body="Ik zag de gele Polo om 14u in de Kerkstraat",
    )


def _post(client, url, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def test_coordinator_reads_and_answers_by_sms(client, world, reply):
    client.force_login(world.users["coordinator"])
    inbox = client.get(reverse("messaging:inbox", args=[world.network.slug]))
    assert reply in inbox.context["page"].object_list
    client.get(reverse("messaging:reply", args=[world.network.slug, reply.pk]))
    reply.refresh_from_db()
    assert reply.status == Reply.Status.READ
    url = reverse("messaging:reply_action", args=[world.network.slug, reply.pk, "answer"])
    _post(client, url, {"text": ""})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.READ  # an empty answer sends nothing
    _post(client, url, {"text": "Dank u, de politie is verwittigd."})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.ANSWERED
    assert locmem.outbox[-1].to == str(world.member.mobile_phone)


def test_forward_only_to_the_zones_officers(client, world, reply):
    client.force_login(world.users["coordinator"])
    url = reverse("messaging:reply_action", args=[world.network.slug, reply.pk, "forward"])
    _post(client, url, {"to_email": "someone@elsewhere.example", "note": "x"})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.NEW and not mail.outbox
    officer = world.users["officer"]
    _post(client, url, {"to_email": officer.email, "note": "Voor de wijkagent"})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FORWARDED
    assert mail.outbox[-1].to == [officer.email]
    assert "gele Polo" in mail.outbox[-1].body and "Voor de wijkagent" in mail.outbox[-1].body


def test_privacy_mode_hides_the_senders_number(client, world, reply):
    world.network.privacy_mode = True
    world.network.save()
    client.force_login(world.users["coordinator"])
    for url in (
        reverse("messaging:inbox", args=[world.network.slug]),
        reverse("messaging:reply", args=[world.network.slug, reply.pk]),
    ):
        assert reply.from_address not in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["coordinator_other", "officer_other", "municipal", "federal"])
def test_other_roles_cannot_answer(client, world, reply, role):
    client.force_login(world.users[role])
    url = reverse("messaging:reply_action", args=[world.network.slug, reply.pk, "answer"])
    assert client.post(url, {"text": "hi"}).status_code == 403
    reply.refresh_from_db()
    assert reply.status == Reply.Status.NEW
