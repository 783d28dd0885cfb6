"""A message's validity (CAP ``expires``): set on the compose form or by the
kind's default at publishing; deliveries not handed to a provider before it
ends are marked expired (claim, fan-out, sweep), never sent late, counted as
done and shown."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from messaging.forms.messages import MessageForm
from messaging.models import Delivery, Message
from messaging.selectors.messages import message_progress
from messaging.services.fanout import message_fanout
from messaging.services.lifecycle import message_publish
from messaging.services.sending import delivery_send_chunk
from messaging.services.sweep import delivery_sweep
from outbox.gateways import locmem
from tests.factories import MemberFactory, MessageFactory

TEXTS = {"nl": {"sms": "Inbrekers actief, licht aan", "subject": "Dringend", "body": "Lang"}}


@pytest.fixture
def clock(monkeypatch):
    """Moves the time on for everything that asks django.utils.timezone."""

    class Clock:
        offset = timedelta(0)

        def shift(self, **delta) -> None:
            self.offset += timedelta(**delta)

    clock = Clock()
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + clock.offset)
    return clock


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def _message(world, *, kind=Message.Kind.URGENT, **fields) -> Message:
    return MessageFactory(
        kind=kind, texts=TEXTS, created_by=world.users["officer"], networks=[world.network],
        **fields,
    )  # fmt: skip


def _published(world, *, kind=Message.Kind.URGENT, **fields) -> Message:
    """Published without running the fan-out (as when the broker is down)."""
    message = _message(world, kind=kind, **fields)
    message_publish(message=message, published_by=world.users["officer"])
    message.refresh_from_db()
    return message


def _queued(message: Message, *members: Member) -> list[Delivery]:
    """Queued SMS rows, as a fan-out that ran but whose sends were lost."""
    Message.objects.filter(pk=message.pk).update(fanout_done_at=timezone.now())
    return [
        Delivery.objects.create(
            message=message, member=m, channel="sms", to=str(m.mobile_phone), language="nl"
        )
        for m in members
    ]


def _statuses(message: Message) -> set[str]:
    return set(message.deliveries.values_list("status", flat=True))


# --- validity: defaults, compose form, publishing ------------------------------


@pytest.mark.parametrize(
    ("kind", "validity"),
    [
        (Message.Kind.URGENT, timedelta(hours=4)),
        (Message.Kind.FEEDBACK, timedelta(days=7)),
        (Message.Kind.PREVENTION, timedelta(days=30)),
        (Message.Kind.INFO, timedelta(days=30)),
    ],
)
def test_publishing_sets_the_kinds_default_validity(world, kind, validity):
    message = _published(world, kind=kind)
    assert message.expires_at == message.published_at + validity


def test_a_chosen_validity_is_kept_and_a_passed_one_refused(world, clock):
    until = timezone.now() + timedelta(hours=1)
    message = _published(world, expires_at=until)
    assert message.expires_at == until
    draft = _message(world, expires_at=timezone.now() + timedelta(hours=1))
    clock.shift(hours=2)  # the draft waited too long
    with pytest.raises(ValidationError) as refused:
        message_publish(message=draft, published_by=world.users["officer"])
    assert "expires_at" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT


def _form_data(world, **extra) -> dict:
    return {
        "kind": "urgent",
        "networks": [world.network.pk],
        "by_sms": "on",
        "sms_nl": "Inbrekers actief",
        **extra,
    }


@pytest.mark.parametrize(
    ("delta", "error"),
    [
        (timedelta(hours=-1), "Choose a moment in the future."),
        (timedelta(days=91), "A message is valid for at most 90 days."),
    ],
)
def test_the_compose_form_refuses_a_validity_in_the_past_or_too_far(world, delta, error):
    until = timezone.localtime() + delta
    data = _form_data(world, expires_at=until.strftime("%Y-%m-%dT%H:%M"))
    form = MessageForm(data, user=world.users["officer"])
    assert not form.is_valid()
    assert form.errors["expires_at"] == [error]


def test_the_compose_page_saves_the_validity_and_shows_it(client, world):
    client.force_login(world.users["officer"])
    until = (timezone.localtime() + timedelta(hours=2)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("messaging:new"), _form_data(world, expires_at=until.strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.expires_at == until
    page = client.get(response["Location"]).content.decode()
    assert "valid until" in page
    edit = client.get(reverse("messaging:edit", args=[message.pk])).content.decode()
    assert f'value="{until:%Y-%m-%dT%H:%M}"' in edit  # in local time, for datetime-local
    # Left empty on the edit form, the draft's validity becomes the default again.
    client.post(reverse("messaging:edit", args=[message.pk]), _form_data(world))
    message.refresh_from_db()
    assert message.expires_at is None


def test_the_compose_page_shows_the_validity_error_next_to_the_field(client, world):
    client.force_login(world.users["officer"])
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("messaging:new"), _form_data(world, expires_at=past))
    assert response.status_code == 200
    assert "Choose a moment in the future." in response.content.decode()
    assert not Message.objects.exists()


# --- expired deliveries: claim, fan-out, sweep ----------------------------------


def test_a_send_after_the_validity_marks_the_rows_expired_and_sends_nothing(world, clock):
    other = MemberFactory(network=world.network)
    message = _published(world)
    fresh = _published(world)
    late = _queued(message, world.member, other)
    on_time = _queued(fresh, world.member)
    clock.shift(hours=4, minutes=1)  # after the urgent alert's 4 hours
    Message.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    counts = delivery_send_chunk(delivery_ids=[d.pk for d in late + on_time])
    assert counts["expired"] == 2 and counts["sent"] == 1 and counts["skipped"] == 0
    assert _statuses(message) == {Delivery.Status.EXPIRED}
    assert [m.to for m in locmem.outbox] == [str(world.member.mobile_phone)]
    # Expired is final: the message is done.
    message.refresh_from_db()
    assert message.completed_at is not None


def test_a_fanout_after_the_validity_writes_expired_rows(world, clock):
    MemberFactory(network=world.network)
    message = _published(world)
    clock.shift(hours=5)
    total = message_fanout(message_id=message.pk)
    assert total == 4  # two members, SMS and email each
    assert _statuses(message) == {Delivery.Status.EXPIRED}
    assert not locmem.outbox and not mail.outbox
    message.refresh_from_db()
    assert message.completed_at is not None


def test_quiet_hours_that_end_after_the_validity_expire_the_row_at_once(world, clock):
    Member.objects.filter(pk=world.member.pk).update(
        quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59), by_email=False
    )
    quiet_all_day = MemberFactory(network=world.network, by_email=False)
    message = _published(
        world, kind=Message.Kind.INFO, expires_at=timezone.now() + timedelta(minutes=1)
    )
    message_fanout(message_id=message.pk)
    statuses = dict(message.deliveries.values_list("member_id", "status"))
    assert statuses[quiet_all_day.pk] == Delivery.Status.SENT  # no quiet hours: sent now
    # Unless it is 23:59 in Brussels, the quiet hours end after the minute.
    local = timezone.localtime().time()
    if local < time(23, 58):
        assert statuses[world.member.pk] == Delivery.Status.EXPIRED


def test_after_a_broker_outage_the_sweep_expires_what_is_stale(world, clock):
    """The alert was published while the broker was down: nothing was queued.
    When the sweep runs after its validity, nothing goes out late."""
    message = _published(world)
    stale_queued = _published(world)
    rows = _queued(stale_queued, world.member)
    valid = _published(world, kind=Message.Kind.INFO)
    waiting = _queued(valid, world.member)
    Delivery.objects.filter(pk=waiting[0].pk).update(not_before=timezone.now() + timedelta(days=1))
    clock.shift(hours=6)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = delivery_sweep()
    assert result["expired"] == len(rows)
    assert _statuses(stale_queued) == {Delivery.Status.EXPIRED}
    # The fan-out the sweep started late wrote expired rows only.
    assert _statuses(message) == {Delivery.Status.EXPIRED}
    assert _statuses(valid) == {Delivery.Status.QUEUED}  # still valid: untouched
    assert not locmem.outbox and not mail.outbox
    delivery_sweep()
    stale_queued.refresh_from_db()
    assert stale_queued.completed_at is not None


def test_expired_deliveries_show_in_the_progress_and_on_the_page(client, world, clock):
    message = _published(world)
    _queued(message, world.member)
    clock.shift(hours=5)
    delivery_sweep()
    progress = message_progress(message=message)
    assert progress["expired"] == 1 and progress["done"] == progress["total"] == 1
    assert progress["table"] == {"sms": {"expired": 1}}
    client.force_login(world.users["officer"])
    page = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "1 delivery expired" in page


def test_stored_delivery_figures_count_expired_rows(world, clock):
    from messaging.figures_models import MessageDeliveryCount
    from messaging.services.delivery_figures import delivery_figures_recompute, figures_are_kept

    if not figures_are_kept():
        pytest.skip("the stored figures are kept on PostgreSQL only")
    message = _published(world)
    _queued(message, world.member)
    clock.shift(hours=5)
    delivery_sweep()
    delivery_figures_recompute(message_id=message.pk)
    row = MessageDeliveryCount.objects.get(message=message)
    assert (row.total, row.expired, row.pending) == (1, 1, 0)
