"""Member figures per network kept up to date for the dashboards (issue 16,
item 18): statement triggers on the member table keep the counts per
network, status and street and the joins and leaves per day
(``members.services.member_figures``); on PostgreSQL the dashboards read
them, and they must give exactly what counting the members gives."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from members.figures_models import MemberCount, MemberEarlyLeave, MemberFlow, MemberFlowMonth
from members.models import Member
from members.services.member_figures import member_figures_kept, member_figures_rebuild
from reports.selectors import members as member_selectors
from reports.selectors import national as national_selectors
from reports.selectors.members import (
    member_counts_by_network,
    members_over_time,
    members_per_street,
)
from reports.selectors.national import active_members_by_network, national_by_area
from reports.selectors.period import Period
from reports.tables.national import national_report
from reports.tables.network import network_report
from tests.reports.conftest import at

pytestmark = pytest.mark.postgres

PERIODS = [
    Period(start=date(2026, 1, 1), end=date(2026, 3, 31)),
    Period(start=date(2026, 2, 10), end=date(2026, 2, 10)),  # one day, a boundary
    Period(start=date(2025, 1, 1), end=timezone.localdate()),
    # Partial months at both ends; a partial start ending on a month's last day.
    Period(start=date(2025, 12, 15), end=date(2026, 2, 20)),
    Period(start=date(2026, 1, 10), end=date(2026, 1, 31)),
]


def _figures(dataset) -> dict:
    """Every member figure the dashboards read, at every scope and period."""
    scopes = {
        "national": None,
        "zone": [dataset.a.pk, dataset.b.pk, dataset.c.pk],
        "network a": [dataset.a.pk],
        "none": [],
    }
    figures: dict = {
        "active": active_members_by_network(),
        "zones": national_by_area(level="zone"),
    }
    for name, ids in scopes.items():
        figures[name, "streets"] = members_per_street(network_ids=ids)
        for i, period in enumerate(PERIODS):
            figures[name, i] = (
                members_over_time(network_ids=ids, period=period),
                members_over_time(network_ids=ids, period=period, split_by_kind=True),
                member_counts_by_network(network_ids=ids, period=period),
            )
    return figures


def _counted(dataset, monkeypatch) -> dict:
    """The same figures counted from the member table, as on SQLite."""
    with monkeypatch.context() as patch:
        patch.setattr(member_selectors, "member_figures_kept", lambda: False)
        patch.setattr(national_selectors, "member_figures_kept", lambda: False)
        return _figures(dataset)


def _stored_rows() -> dict:
    """The stored rows, zero rows aside (the triggers leave them, readers skip them)."""
    return {
        "counts": sorted(
            MemberCount.objects.exclude(members=0).values_list(
                "network_id", "status", "awaiting", "street", "members"
            )
        ),
        "flows": sorted(
            MemberFlow.objects.exclude(joined=0, left=0).values_list(
                "network_id", "day", "joined", "left"
            )
        ),
        "months": sorted(
            MemberFlowMonth.objects.exclude(joined=0, left=0).values_list(
                "network_id", "month", "joined", "left"
            )
        ),
        "early": sorted(
            MemberEarlyLeave.objects.exclude(members=0).values_list(
                "network_id", "left_day", "joined_day", "members"
            )
        ),
    }


def _assert_stored_equals_counted(dataset, monkeypatch) -> None:
    assert member_figures_kept()
    stored = _figures(dataset)
    assert stored == _counted(dataset, monkeypatch)
    # And the tables themselves equal a recount from scratch.
    rows = _stored_rows()
    member_figures_rebuild()
    assert _stored_rows() == rows


@pytest.fixture
def on_postgres(require_postgres):
    return None


def test_stored_figures_equal_counted_ones_after_a_mix_of_changes(
    dataset, on_postgres, monkeypatch
):
    from members.services.core import (
        member_approve,
        member_create,
        member_erase,
        member_reactivate,
        member_suspend,
        member_update,
    )
    from members.services.personal import member_preferences_update
    from tests.factories import MemberFactory

    _assert_stored_equals_counted(dataset, monkeypatch)
    before = _figures(dataset)
    admin = dataset.users["admin"]

    # Join: a sign-up (pending), verified (awaiting approval), approved.
    joined = member_create(
        network=dataset.a, first_name="Nieuw", last_name="Lid", street="molenstraat",
        house_number="3", postcode="9340", email="nieuw@example.org",
    )  # fmt: skip
    _assert_stored_equals_counted(dataset, monkeypatch)
    Member.objects.filter(pk=joined.pk).update(email_verified_at=timezone.now())
    _assert_stored_equals_counted(dataset, monkeypatch)
    member_approve(member=joined, approved_by=admin)
    _assert_stored_equals_counted(dataset, monkeypatch)
    assert _figures(dataset) != before  # the figures did move

    # Pause (suspend and reactivate; a pause on the personal page), and
    # channel changes: the counts of active members stay as they were.
    member_suspend(member=dataset.members["a1"], actor=admin)
    _assert_stored_equals_counted(dataset, monkeypatch)
    member_reactivate(member=dataset.members["a1"], actor=admin)
    member_preferences_update(
        member=dataset.members["a2"], language="fr", by_sms=False, by_email=True,
        by_voice=False, quiet_hours_start=None, quiet_hours_end=None,
        paused_until=timezone.localdate() + timedelta(days=14),
    )  # fmt: skip
    _assert_stored_equals_counted(dataset, monkeypatch)

    # A new street, then leaving and erasure (the street is blanked).
    member_update(member=dataset.members["a5"], actor=admin, street="Kerkstraat", house_number="2")
    _assert_stored_equals_counted(dataset, monkeypatch)
    member_erase(member=dataset.members["a5"], actor=admin)
    member_erase(member=dataset.members["a6"])  # suspended, leaves
    member_erase(member=dataset.members["a4"])  # pending: never joined
    _assert_stored_equals_counted(dataset, monkeypatch)

    # A move to a network in another zone, and back part of the way.
    Member.objects.filter(pk=dataset.members["c1"].pk).update(network=dataset.d)
    _assert_stored_equals_counted(dataset, monkeypatch)
    Member.objects.filter(network=dataset.d).update(network=dataset.b)
    _assert_stored_equals_counted(dataset, monkeypatch)

    # An import (one INSERT of many rows), dates out of order (left before
    # approved: the start-of-period count), a member with no approval date,
    # one whose leave date is the row's last change, and deletions.
    MemberFactory.create_batch(3, network=dataset.c, street="Kouter")
    Member.objects.bulk_create(
        [
            Member(network=dataset.c, first_name="I", last_name=str(i), street="Kouter",
                   house_number=str(i), postcode="9340", email=f"i{i}@example.org",
                   status=Member.Status.ACTIVE,
                   approved_at=at(2026, 1, 1 + i))
            for i in range(5)
        ]
    )  # fmt: skip
    early = MemberFactory(network=dataset.c, status=Member.Status.LEFT)
    Member.objects.filter(pk=early.pk).update(approved_at=at(2026, 3, 1), left_at=at(2026, 1, 15))
    unapproved = MemberFactory(network=dataset.c, status=Member.Status.SUSPENDED)
    no_leave_date = MemberFactory(network=dataset.c, status=Member.Status.LEFT)
    Member.objects.filter(pk=no_leave_date.pk).update(
        approved_at=at(2026, 2, 1), left_at=None, updated_at=at(2026, 2, 10, 23, 30)
    )
    _assert_stored_equals_counted(dataset, monkeypatch)
    assert MemberEarlyLeave.objects.exclude(members=0).exists()
    Member.objects.filter(pk__in=[unapproved.pk, early.pk]).delete()
    _assert_stored_equals_counted(dataset, monkeypatch)


def test_a_statement_that_changes_no_figure_writes_none(dataset, on_postgres):
    """Changing a name or a channel takes no lock on the stored rows: nothing
    is written to them (a row would be locked until commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd + n_tup_ins FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'members_membercount'")  # fmt: skip
        (before,) = cursor.fetchone() or (0,)
        Member.objects.filter(network=dataset.a).update(first_name="X", by_voice=True)
        cursor.execute("SELECT n_tup_upd + n_tup_ins FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'members_membercount'")  # fmt: skip
        (after,) = cursor.fetchone() or (0,)
    assert after == before
    Member.objects.filter(pk=dataset.members["a1"].pk).update(status=Member.Status.SUSPENDED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd + n_tup_ins FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'members_membercount'")  # fmt: skip
        (changed,) = cursor.fetchone()
    assert changed > after


def test_dashboards_from_stored_figures_equal_counted_ones_and_stay_protected(
    dataset, on_postgres, monkeypatch
):
    """The national report and a municipal staff member's anonymised
    dashboard read the stored figures: every cell is what counting gives,
    small counts still read "< 5"."""
    period = dataset.period
    networks = [dataset.a, dataset.b]

    def reports():
        return (
            national_report(period=period),
            network_report(networks=networks, period=period, title="t", scope="s",
                           anonymised=True),
        )  # fmt: skip

    def cells(report):
        return [(s.key, s.rows, s.totals) for s in report.sections]

    national, municipal = reports()
    with monkeypatch.context() as patch:
        patch.setattr(member_selectors, "member_figures_kept", lambda: False)
        patch.setattr(national_selectors, "member_figures_kept", lambda: False)
        counted_national, counted_municipal = reports()
    assert cells(national) == cells(counted_national)
    assert cells(municipal) == cells(counted_municipal)
    networks_rows = next(s for s in municipal.sections if s.key == "networks").rows
    assert any("< 5" in str(cell) for row in networks_rows for cell in row)


def test_the_figures_are_counted_on_other_databases_and_time_zones(dataset, settings):
    if connection.vendor == "postgresql":
        assert member_figures_kept()
        with timezone.override("Europe/Amsterdam"):
            # Same offsets, but another zone's days are not guaranteed to be.
            assert not member_figures_kept()
    else:
        assert not member_figures_kept()
    # Either way the figures are right: four members of network A active
    # at the end of March 2026 (a1, a2, a5 and the suspended a6).
    series = members_over_time(
        network_ids=[dataset.a.pk], period=Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
    )
    assert series[-1]["members"] == 4
    assert isinstance(at(2026, 1, 1), datetime)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_network_add_up():
    """Two transactions adding members to the same network and street at the
    same time: the second waits on the counter rows until the first commits,
    and the stored figures then hold both."""
    if connection.vendor != "postgresql":
        pytest.skip("the triggers exist on PostgreSQL only")
    import threading
    import time

    from django.db import transaction

    from tests.factories import MemberFactory, NetworkFactory

    network = NetworkFactory()
    written, go_on = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                MemberFactory.create_batch(3, network=network, street="Kouter")
                written.set()
                go_on.wait(10)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            with transaction.atomic():
                MemberFactory.create_batch(2, network=network, street="Kouter")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert written.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.3)  # the second is now waiting on the first's counter rows
    go_on.set()
    one.join(10)
    two.join(10)
    assert not errors
    stored = MemberCount.objects.get(
        network_id=network.pk, status=Member.Status.ACTIVE, street="Kouter"
    )
    assert stored.members == 5
    rows = _stored_rows()
    member_figures_rebuild()
    assert _stored_rows() == rows
