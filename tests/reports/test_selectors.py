"""Every figure of the dashboards against the hand-computed dataset (conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest

from reports.selectors.governance import networks_with_charter, signs_and_meetings_by_network
from reports.selectors.incidents import member_reports_by_category, member_reports_by_network
from reports.selectors.members import (
    member_counts_by_network,
    members_over_time,
    members_per_street,
    street_coverage,
)
from reports.selectors.messages import (
    alerts_without_feedback_by_network,
    delivery_by_channel,
    delivery_speed,
    messages_by_network,
    messages_per_kind_month,
)
from reports.selectors.national import national_by_area
from reports.selectors.period import Period


def _ids(*networks):
    return [n.pk for n in networks]


def test_members_over_time(dataset):
    series = members_over_time(network_ids=_ids(dataset.a), period=dataset.period)
    # At 1 January: a1 and a3 (a3 leaves on 10 February).
    assert [(p["month"], p["members"], p["joined"], p["left"]) for p in series] == [
        (date(2026, 1, 1), 3, 1, 0),  # + a2
        (date(2026, 2, 1), 3, 1, 1),  # + a6 (suspended since, still a member), - a3
        (date(2026, 3, 1), 4, 1, 0),  # + a5
    ]


def test_members_over_time_by_kind_nationally(dataset):
    series = members_over_time(network_ids=None, period=dataset.period, split_by_kind=True)
    # B's one member joined in 2025; C and D each gained one in January.
    assert [p["by_kind"] for p in series] == [
        {"bin": 5, "binz": 1},
        {"bin": 5, "binz": 1},
        {"bin": 6, "binz": 1},
    ]
    assert [p["members"] for p in series] == [6, 6, 7]


def test_member_counts_by_network(dataset):
    counts = member_counts_by_network(network_ids=_ids(dataset.a, dataset.b), period=dataset.period)
    assert counts[dataset.a.pk] == {
        "active": 3, "pending": 1, "awaiting": 0, "joined": 3, "left": 1,
    }  # fmt: skip
    assert counts[dataset.b.pk] == {
        "active": 1, "pending": 0, "awaiting": 0, "joined": 0, "left": 0,
    }  # fmt: skip
    assert dataset.c.pk not in counts


def test_members_per_street_and_coverage(dataset):
    streets = members_per_street(network_ids=_ids(dataset.a))
    assert [(s["street"], s["members"], s["households"], s["share"]) for s in streets] == [
        # "Kerkstraat" and "kerkstraat" are one street; its two stretches 10 + 6.
        ("Kerkstraat", 2, 16, 12.5),
        # No household count entered for Molenstraat.
        ("Molenstraat", 1, None, None),
    ]
    assert street_coverage(streets=streets) == {
        "streets": 2,
        "streets_counted": 1,
        "households": 16,
        "members_on_counted_streets": 2,
        "share": 12.5,
    }


def test_street_with_an_uncounted_stretch_has_no_household_figure(dataset):
    from networks.models import Street

    Street.objects.filter(network=dataset.a, number_from=41).update(household_count=None)
    streets = members_per_street(network_ids=_ids(dataset.a))
    assert streets[0]["households"] is None


def test_messages_per_kind_month(dataset):
    series = messages_per_kind_month(network_ids=_ids(dataset.a, dataset.b), period=dataset.period)
    # m1 goes to A and B: counted once.
    assert [
        (p["month"], p["urgent"], p["feedback"], p["prevention"], p["info"], p["total"])
        for p in series
    ] == [
        (date(2026, 1, 1), 1, 0, 0, 0, 1),
        (date(2026, 2, 1), 0, 0, 1, 0, 1),
        (date(2026, 3, 1), 1, 1, 0, 0, 2),
    ]
    by_network = messages_by_network(network_ids=_ids(dataset.a, dataset.b), period=dataset.period)
    assert by_network == {
        dataset.a.pk: {"messages": 4, "urgent": 2},
        dataset.b.pk: {"messages": 1, "urgent": 1},
    }


def test_delivery_by_channel(dataset):
    rows = delivery_by_channel(network_ids=_ids(dataset.a, dataset.b), period=dataset.period)
    assert rows == [
        {"channel": "sms", "total": 9, "delivered": 7, "sent": 0, "failed": 2, "pending": 0,
         "cancelled": 0, "expired": 0, "success_rate": 77.8},
        {"channel": "email", "total": 8, "delivered": 0, "sent": 6, "failed": 1, "pending": 0,
         "cancelled": 1, "expired": 0, "success_rate": 85.7},
        {"channel": "voice", "total": 0, "delivered": 0, "sent": 0, "failed": 0, "pending": 0,
         "cancelled": 0, "expired": 0, "success_rate": None},
    ]  # fmt: skip


def test_expired_deliveries_are_counted_apart_and_are_no_success(dataset):
    from tests.reports.conftest import _delivery

    m1 = dataset.messages["m1"]
    members = [m for m in dataset.members.values() if m.network_id == dataset.a.pk][:2]
    _delivery(m1, members[0], "voice", "delivered", minutes=3)
    _delivery(m1, members[1], "voice", "expired", minutes=3)
    voice = delivery_by_channel(network_ids=_ids(dataset.a), period=dataset.period)[2]
    assert (voice["total"], voice["delivered"], voice["expired"]) == (2, 1, 1)
    assert voice["success_rate"] == 50.0


def _speed(dataset, network_ids):
    return {
        row["kind"]: row for row in delivery_speed(network_ids=network_ids, period=dataset.period)
    }


def test_time_to_90_percent_delivered(dataset):
    speed = _speed(dataset, _ids(dataset.a, dataset.b))
    # m1 reaches 90 % at 9 minutes, m5 at 20: median and mean 14.5 minutes.
    assert speed["urgent"]["messages"] == 2
    assert speed["urgent"]["reached"] == 2
    assert speed["urgent"]["median"] == pytest.approx(14.5 * 60, abs=0.5)
    assert speed["urgent"]["mean"] == pytest.approx(14.5 * 60, abs=0.5)
    # m2 never reaches 90 %.
    assert speed["prevention"] == {
        "kind": "prevention", "messages": 1, "reached": 0, "median": None, "mean": None,
    }  # fmt: skip
    assert speed["feedback"]["messages"] == 0


def test_time_to_90_percent_follows_the_networks(dataset):
    # Only B: m1 has no delivery to B's members.
    assert _speed(dataset, _ids(dataset.b))["urgent"]["messages"] == 0
    assert _speed(dataset, [])["urgent"]["messages"] == 0


def test_member_reports_by_category(dataset):
    rows = {
        r["category"]: r
        for r in member_reports_by_category(network_ids=_ids(dataset.a), period=dataset.period)
    }
    burglary = rows["burglary"]
    assert (burglary["reports"], burglary["triaged"], burglary["open"]) == (3, 2, 2)
    assert burglary["median"] == pytest.approx(3 * 3600, abs=1)
    assert burglary["mean"] == pytest.approx(3 * 3600, abs=1)
    noise = rows["noise"]
    assert (noise["reports"], noise["triaged"], noise["open"]) == (1, 1, 0)
    assert noise["median"] == pytest.approx(3600, abs=1)
    assert rows["fraud"] == {
        "category": "fraud", "reports": 0, "triaged": 0, "open": 0, "median": None, "mean": None,
    }  # fmt: skip
    assert member_reports_by_network(network_ids=_ids(dataset.a), period=dataset.period) == {
        dataset.a.pk: {"reports": 4, "open": 3}
    }


def test_signs_meetings_and_charter(dataset):
    governance = signs_and_meetings_by_network(
        network_ids=_ids(dataset.a, dataset.b), period=dataset.period
    )
    assert governance[dataset.a.pk] == {
        "signs_placed": 2, "signs_placed_in_period": 1, "meetings": 2, "member_meetings": 1,
    }  # fmt: skip
    assert dataset.b.pk not in governance
    networks = {n.pk: n for n in networks_with_charter(network_ids=_ids(dataset.a, dataset.b))}
    a = networks[dataset.a.pk]
    assert (a.charter_latest, a.charter_latest_status, a.charter_in_force) == (2, "draft", 1)
    assert networks[dataset.b.pk].charter_latest is None


def test_alerts_without_feedback(dataset):
    # m1 (A and B) has no feedback; m5 has m6.
    assert alerts_without_feedback_by_network(
        network_ids=_ids(dataset.a, dataset.b, dataset.c)
    ) == {dataset.a.pk: 1, dataset.b.pk: 1}


def test_national_by_area(dataset):
    provinces = national_by_area(level="province")
    assert provinces == [
        {"country": "BE", "municipality__province": "Oost-Vlaanderen", "networks": 4,
         "active_networks": 4, "binz_networks": 1, "members": 6, "binz_members": 1},
    ]  # fmt: skip
    zones = {r["police_zone__name"]: r for r in national_by_area(level="zone")}
    assert zones["Erpe-Mere/Lede"]["networks"] == 3
    assert zones["Erpe-Mere/Lede"]["members"] == 5  # a1, a2, a5, b1, c1
    assert zones["Aalst"]["members"] == 1


@pytest.mark.postgres
def test_postgres_gives_the_same_figures(dataset, require_postgres):
    """percentile_disc / percentile_cont on PostgreSQL against the same hand figures."""
    test_time_to_90_percent_delivered(dataset)
    test_member_reports_by_category(dataset)
    test_members_over_time(dataset)


# --- joining and leaving: one definition everywhere (review finding R2) -----------


def test_pending_signup_that_leaves_never_joined_nor_left(dataset):
    from members.models import Member
    from members.services.core import member_erase
    from tests.factories import MemberFactory

    sign_up = MemberFactory(network=dataset.c, status=Member.Status.PENDING)
    member_erase(member=sign_up, reason="left")  # e.g. leaves through the personal link
    today = date.today()
    period = Period(start=dataset.period.start, end=today)
    series = members_over_time(network_ids=_ids(dataset.c), period=period)
    # c1 joined in January and is still a member; the sign-up changes nothing.
    assert all(p["members"] == 1 for p in series)
    assert sum(p["left"] for p in series) == 0
    counts = member_counts_by_network(network_ids=_ids(dataset.c), period=period)
    assert counts[dataset.c.pk]["left"] == 0


def test_member_active_without_approval_date_who_leaves_joined_when_created(dataset):
    from members.models import Member
    from members.services.core import member_erase
    from tests.reports.conftest import _member, at

    legacy = _member(dataset.c, status=Member.Status.ACTIVE, created=at(2025, 1, 1))
    assert legacy.approved_at is None
    member_erase(member=legacy, reason="left")
    legacy.refresh_from_db()
    # The erase keeps when the member joined (not personal data).
    assert legacy.approved_at == at(2025, 1, 1)
    today = date.today()
    period = Period(start=date(2026, 1, 1), end=today)
    series = members_over_time(network_ids=_ids(dataset.c), period=period)
    # Member since 2025 plus c1 in January; the leave (today) lowers the last month.
    assert series[0]["members"] == 2
    assert series[-1]["members"] == 1 and series[-1]["left"] == 1


def test_legacy_leave_without_any_join_date_is_not_a_leave(dataset):
    from members.models import Member
    from tests.reports.conftest import _member, at

    # Left before the erase kept the join date: it cannot be told apart from
    # a sign-up that left, so it counts neither as a join nor as a leave.
    _member(dataset.c, status=Member.Status.LEFT, created=at(2025, 1, 1), left=at(2026, 2, 10))
    series = members_over_time(network_ids=_ids(dataset.c), period=dataset.period)
    assert [p["members"] for p in series] == [1, 1, 1]
    assert [p["left"] for p in series] == [0, 0, 0]


def test_joined_counts_agree_between_networks_table_and_members_over_time(dataset):
    from members.models import Member
    from tests.reports.conftest import _member, at

    # Imported active without an approval date: joined when created.
    _member(dataset.c, status=Member.Status.ACTIVE, created=at(2026, 2, 3))
    counts = member_counts_by_network(network_ids=_ids(dataset.c), period=dataset.period)
    series = members_over_time(network_ids=_ids(dataset.c), period=dataset.period)
    assert counts[dataset.c.pk]["joined"] == 2  # c1 and the imported one
    assert sum(p["joined"] for p in series) == 2
    assert counts[dataset.c.pk]["left"] == sum(p["left"] for p in series) == 0


def test_months_follow_brussels_time(dataset):
    from members.models import Member
    from tests.reports.conftest import _member, at

    _member(dataset.c, status=Member.Status.ACTIVE, approved=at(2026, 1, 31, 23, 30))
    _member(dataset.c, status=Member.Status.ACTIVE, approved=at(2026, 3, 1, 0, 30))
    series = members_over_time(network_ids=_ids(dataset.c), period=dataset.period)
    assert [p["joined"] for p in series] == [2, 0, 1]
