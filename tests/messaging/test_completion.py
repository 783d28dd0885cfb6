"""A message is completed once, when every delivery is final; higher apps
hear of it through ``message_completed`` (webhooks' message.completed)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from messaging.models import Delivery, Message
from messaging.services.completion import message_completion_check
from messaging.services.lifecycle import message_cancel
from messaging.services.sweep import delivery_sweep
from messaging.signals import message_completed
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listen(sender, message, figures, **kwargs):
        calls.append((message.pk, figures))

    message_completed.connect(listen, dispatch_uid="test_completion")
    yield calls
    message_completed.disconnect(dispatch_uid="test_completion")


def _sent_out(world, *statuses) -> Message:
    now = timezone.now()
    message = MessageFactory(
        status=Message.Status.PUBLISHED, published_at=now, fanout_done_at=now,
        created_by=world.users["officer"], networks=[world.network],
    )  # fmt: skip
    for channel, status in zip(("sms", "email", "voice"), statuses, strict=False):
        Delivery.objects.create(
            message=message, member=world.member, channel=channel, to="x", language="nl",
            status=status,
        )  # fmt: skip
    return message


def test_completed_once_when_every_delivery_is_final(world, heard):
    message = _sent_out(world, "delivered", "queued")
    assert message_completion_check(message_id=message.pk) is False
    assert heard == []
    Delivery.objects.filter(message=message, status="queued").update(status="failed")
    assert message_completion_check(message_id=message.pk) is True
    assert message_completion_check(message_id=message.pk) is False
    ((pk, figures),) = heard
    assert pk == message.pk
    assert figures == {
        "total": 2,
        "done": 2,
        "by_channel": {"sms": {"delivered": 1}, "email": {"failed": 1}},
    }
    message.refresh_from_db()
    assert message.completed_at is not None


def test_not_before_the_fanout_is_done(world, heard):
    message = _sent_out(world, "sent")
    Message.objects.filter(pk=message.pk).update(fanout_done_at=None)
    assert message_completion_check(message_id=message.pk) is False
    assert heard == []


def test_the_sweep_completes_what_the_sends_missed(world, heard):
    done = _sent_out(world, "sent", "delivered")
    waiting = _sent_out(world, "sending")
    assert delivery_sweep()["completed"] == 1
    assert [pk for pk, _ in heard] == [done.pk]
    assert Message.objects.get(pk=waiting.pk).completed_at is None


def test_cancel_stops_the_rest_and_completes(world, heard):
    message = _sent_out(world, "sent", "queued")
    message_cancel(message=message, cancelled_by=world.users["officer"])
    ((pk, figures),) = heard
    assert pk == message.pk and figures["by_channel"]["email"] == {"cancelled": 1}
