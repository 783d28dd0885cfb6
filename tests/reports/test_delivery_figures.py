"""Per-message delivery figures kept up to date for the dashboards (issue 16,
item 18): database triggers mark a message when its deliveries change, the
refresh recomputes it, and the dashboards read the stored figures for fresh
messages and the deliveries for the others, so the figures are the same as
computed from the deliveries at every moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from messaging.figures_models import (
    DeliveryFiguresStale,
    MessageDeliveryCount,
    MessageDeliveryFigures,
)
from messaging.models import Delivery
from messaging.services.delivery_figures import (
    delivery_figures_recompute,
    delivery_figures_refresh,
)
from reports.selectors.messages import delivery_by_channel, delivery_speed
from tests.conftest import missing

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    # The triggers that mark changed messages exist on PostgreSQL only;
    # elsewhere the dashboards count from the deliveries (figures_are_kept).
    if connection.vendor != "postgresql":
        missing("PostgreSQL (set DATABASE_URL=postgres://...)")


def _figures(dataset) -> dict:
    """Delivery and speed figures at every scope the dashboards use."""
    scopes = {
        "national": None,
        "zone": [dataset.a.pk, dataset.b.pk, dataset.c.pk],
        "municipality": [dataset.a.pk, dataset.b.pk],
        "network b": [dataset.b.pk],
    }
    return {
        name: (
            delivery_by_channel(network_ids=ids, period=dataset.period),
            delivery_speed(network_ids=ids, period=dataset.period),
        )
        for name, ids in scopes.items()
    }


def test_deliveries_mark_their_message_and_the_refresh_computes_it(dataset):
    m1 = dataset.messages["m1"]
    assert DeliveryFiguresStale.objects.filter(message_id=m1.pk).exists()
    computed_from_deliveries = _figures(dataset)
    assert delivery_figures_refresh() >= 4
    assert not DeliveryFiguresStale.objects.exists()
    figures = MessageDeliveryFigures.objects.get(message=m1)
    # Ten deliveries, the 9th earliest arrival 9 minutes after publishing.
    assert figures.counted == 10
    assert figures.t90_at == m1.published_at + timedelta(minutes=9)
    assert _figures(dataset) == computed_from_deliveries
    # Recomputing again changes nothing (idempotent).
    delivery_figures_recompute(message_id=m1.pk)
    assert _figures(dataset) == computed_from_deliveries


def test_stored_figures_are_what_the_dashboards_read_for_fresh_messages(dataset):
    delivery_figures_refresh()
    m2 = dataset.messages["m2"]
    # Tamper with the stored count: the dashboard shows it, so it reads the table.
    MessageDeliveryCount.objects.filter(message=m2, channel="sms").update(total=100)
    national = delivery_by_channel(network_ids=None, period=dataset.period)
    sms = next(row for row in national if row["channel"] == "sms")
    assert sms["total"] > 90


def test_a_change_is_seen_at_once_then_stored_by_the_next_refresh(dataset):
    delivery_figures_refresh()
    before = _figures(dataset)
    m2 = dataset.messages["m2"]
    # The failed SMS of m2 arrives after all (a late report).
    failed = Delivery.objects.get(message=m2, status="failed")
    Delivery.objects.filter(pk=failed.pk).update(
        status="delivered",
        sent_at=m2.published_at,
        delivered_at=m2.published_at + timedelta(hours=2),
    )
    assert DeliveryFiguresStale.objects.filter(message_id=m2.pk).exists()
    live = _figures(dataset)
    assert live != before
    speed = {row["kind"]: row for row in live["national"][1]}
    assert speed["prevention"]["reached"] == 1  # m2 now reached 90 %
    delivery_figures_refresh()
    assert _figures(dataset) == live


def test_updates_that_change_no_figure_leave_no_marker(dataset):
    delivery_figures_refresh()
    Delivery.objects.filter(message=dataset.messages["m1"]).update(attempts=3)
    assert not DeliveryFiguresStale.objects.exists()


def test_message_to_networks_outside_the_scope_is_computed_from_the_scopes_deliveries(dataset):
    # m1 went to A and B: the report of B alone counts B's deliveries only,
    # not the whole message's time to 90 %.
    delivery_figures_refresh()
    speed = {row["kind"]: row for row in _figures(dataset)["network b"][1]}
    assert speed["urgent"]["messages"] == 0  # B's member got none of m1's deliveries


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_during_a_recompute_keeps_the_message_stale():
    """A status change in flight while the figures are recomputed: the
    recompute neither sees it nor deletes its marker, so the message stays
    stale and the dashboards count it from the deliveries."""
    from tests.factories import MemberFactory, MessageFactory, NetworkFactory

    network = NetworkFactory()
    message = MessageFactory(status="published", networks=[network], texts={"nl": {"sms": "x"}})
    from django.utils import timezone

    message.published_at = timezone.now()
    message.save(update_fields=["published_at"])
    delivery = Delivery.objects.create(
        message=message, member=MemberFactory(network=network), channel="sms", to="x",
        language="nl", status="sent", sent_at=timezone.now(),
    )  # fmt: skip
    delivery_figures_refresh()
    changed, go_on = threading.Event(), threading.Event()

    def late_report():
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(status="failed")
            changed.set()
            go_on.wait(10)
        connection.close()

    worker = threading.Thread(target=late_report)
    worker.start()
    assert changed.wait(10)
    delivery_figures_recompute(message_id=message.pk)  # does not see the change
    go_on.set()
    worker.join()
    assert DeliveryFiguresStale.objects.filter(message_id=message.pk).exists()
    assert MessageDeliveryCount.objects.get(message=message).sent == 1  # stored: before
    delivery_figures_refresh()
    stored = MessageDeliveryCount.objects.get(message=message)
    assert (stored.sent, stored.failed) == (0, 1)


def test_many_stale_messages_are_counted_in_one_scan_with_the_same_result(dataset, monkeypatch):
    from reports.selectors import messages

    by_index = _figures(dataset)  # every message stale, fewer than STALE_BY_INDEX
    monkeypatch.setattr(messages, "STALE_BY_INDEX", 0)
    assert _figures(dataset) == by_index
    delivery_figures_refresh()
    Delivery.objects.filter(message=dataset.messages["m1"], status="failed").update(status="sent")
    scanned = _figures(dataset)
    monkeypatch.setattr(messages, "STALE_BY_INDEX", 100)
    assert _figures(dataset) == scanned != by_index
