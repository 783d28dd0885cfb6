"""A small known dataset for the dashboards, with figures computed by hand.

Zone "Erpe-Mere/Lede" holds municipality Lede (networks A "Oordegem", a BIN,
and B "Zaken Lede", a BIN-Z) and municipality Erpe-Mere (network C). Network
D lies in another zone and must never count. The period is the first
quarter of 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BRUSSELS)


@dataclass
class Dataset:
    zone: object
    lede: object
    erpe: object
    a: object
    b: object
    c: object
    d: object
    members: dict
    messages: dict
    period: object
    users: dict


def _member(network, *, status, approved=None, left=None, created=None, street="Kerkstraat"):
    from members.models import Member
    from tests.factories import MemberFactory

    member = MemberFactory(network=network, status=status, street=street)
    Member.objects.filter(pk=member.pk).update(
        approved_at=approved,
        left_at=left,
        created_at=created or approved or at(2025, 1, 1),
    )
    member.refresh_from_db()
    return member


def _message(kind, published, networks, *, follows=None, user):
    from messaging.models import Message
    from tests.factories import MessageFactory

    return MessageFactory(
        kind=kind,
        status=Message.Status.PUBLISHED,
        texts={"nl": {"sms": "Test"}},
        created_by=user,
        published_at=published,
        follows=follows,
        networks=networks,
    )


def _delivery(message, member, channel, status, *, minutes=None, fallback_for=None):
    from messaging.models import Delivery

    reached = message.published_at + timedelta(minutes=minutes) if minutes is not None else None
    fields = {"status": status, "to": "x", "language": "nl", "fallback_for": fallback_for}
    if status == "delivered":
        fields.update(sent_at=message.published_at, delivered_at=reached)
    elif status == "sent":
        fields.update(sent_at=reached)
    return Delivery.objects.create(message=message, member=member, channel=channel, **fields)


@pytest.fixture(autouse=True)
def _live_national_figures(settings):
    # Tests change data between two views; the cache has its own test.
    settings.REPORTS_NATIONAL_CACHE_SECONDS = 0


@pytest.fixture
def dataset(db) -> Dataset:
    from charters.models import CharterVersion, Meeting, Sign
    from members.models import Member
    from messaging.models import IncidentReport
    from networks.models import Network, Role, Street
    from reports.selectors.period import Period
    from tests.factories import (
        MunicipalityFactory,
        NetworkFactory,
        PoliceZoneFactory,
        user_with_role,
    )

    zone = PoliceZoneFactory(name="Erpe-Mere/Lede", number="5416")
    other_zone = PoliceZoneFactory(name="Aalst", number="5417")
    lede = MunicipalityFactory(name="Lede", police_zone=zone, province="Oost-Vlaanderen")
    erpe = MunicipalityFactory(name="Erpe-Mere", police_zone=zone, province="Oost-Vlaanderen")
    aalst = MunicipalityFactory(name="Aalst", police_zone=other_zone, province="Oost-Vlaanderen")
    a = NetworkFactory(name="Oordegem", slug="oordegem", municipality=lede, streets=[])
    b = NetworkFactory(
        name="Zaken Lede", slug="zaken-lede", municipality=lede, kind=Network.Kind.BINZ
    )
    c = NetworkFactory(name="Aaigem", slug="aaigem", municipality=erpe)
    d = NetworkFactory(name="Elders", slug="elders", municipality=aalst)
    Street.objects.create(network=a, name="Kerkstraat", postcode="9340", number_from=1,
                          number_to=40, household_count=10)  # fmt: skip
    Street.objects.create(network=a, name="Kerkstraat", postcode="9340", number_from=41,
                          household_count=6)  # fmt: skip
    Street.objects.create(network=a, name="Molenstraat", postcode="9340")

    S = Member.Status
    members = {
        "a1": _member(a, status=S.ACTIVE, approved=at(2025, 12, 10)),
        "a2": _member(a, status=S.ACTIVE, approved=at(2026, 1, 15), street="kerkstraat"),
        "a3": _member(a, status=S.LEFT, approved=at(2025, 11, 1), left=at(2026, 2, 10)),
        "a4": _member(a, status=S.PENDING, created=at(2026, 2, 1)),
        "a5": _member(a, status=S.ACTIVE, approved=at(2026, 3, 5), street="Molenstraat"),
        "a6": _member(a, status=S.SUSPENDED, approved=at(2026, 2, 20)),
        "b1": _member(b, status=S.ACTIVE, approved=at(2025, 6, 1)),
        "c1": _member(c, status=S.ACTIVE, approved=at(2026, 1, 20)),
        "d1": _member(d, status=S.ACTIVE, approved=at(2026, 1, 20)),
    }
    users = {
        "municipal": user_with_role(Role.MUNICIPAL_STAFF, scope=lede),
        "officer": user_with_role(Role.OFFICER, scope=zone),
        "federal": user_with_role(Role.FEDERAL_VIEWER),
        "admin": user_with_role(Role.ADMIN),
        "coordinator": user_with_role(Role.COORDINATOR, scope=a),
    }
    officer = users["officer"]
    m1 = _message("urgent", at(2026, 1, 10, 10), [a, b], user=officer)
    m2 = _message("prevention", at(2026, 2, 3, 9), [a], user=officer)
    m3 = _message("info", at(2025, 12, 1), [a], user=officer)  # before the period
    m5 = _message("urgent", at(2026, 3, 1, 12), [a], user=officer)
    m6 = _message("feedback", at(2026, 3, 2, 12), [a], follows=m5, user=officer)
    m_other = _message("urgent", at(2026, 1, 12), [d], user=officer)  # another zone

    # m1: ten deliveries arriving after 1..9 minutes, the tenth failed:
    # the 9th (⌈0.9·10⌉) earliest arrival is at 9 minutes.
    order = ["a1", "a2", "a5", "a6", "a3"]
    for i in range(10):
        member = members[order[i // 2]]
        channel = "sms" if i % 2 == 0 else "email"
        if i == 9:
            _delivery(m1, member, channel, "failed")
        else:
            _delivery(m1, member, channel, "delivered" if channel == "sms" else "sent",
                      minutes=i + 1)  # fmt: skip
    # m2: 30 and 60 minutes, one failed, one cancelled (not counted):
    # ⌈0.9·3⌉ = 3rd arrival never happened.
    _delivery(m2, members["a1"], "email", "sent", minutes=30)
    _delivery(m2, members["a1"], "sms", "delivered", minutes=60)
    _delivery(m2, members["a2"], "sms", "failed")
    _delivery(m2, members["a2"], "email", "cancelled")
    # m5: an SMS replaced by its email fallback does not count; 4 and 20
    # minutes: the 2nd arrival is at 20 minutes.
    _delivery(m5, members["a1"], "sms", "delivered", minutes=4)
    replaced = _delivery(m5, members["a2"], "sms", "undelivered")
    _delivery(m5, members["a2"], "email", "sent", minutes=20, fallback_for=replaced)
    _delivery(m3, members["a1"], "sms", "delivered", minutes=1)  # before the period
    _delivery(m_other, members["d1"], "sms", "failed")  # another zone

    def report(network, category, created, status="new", triage_hours=None):
        rep = IncidentReport.objects.create(
            network=network, member=None, category=category, happened_at=created,
            street="Kerkstraat", description="x", status=status,
        )  # fmt: skip
        IncidentReport.objects.filter(pk=rep.pk).update(
            created_at=created,
            triaged_at=created + timedelta(hours=triage_hours) if triage_hours else None,
        )

    report(a, "burglary", at(2026, 1, 5, 10), "acknowledged", 2)
    report(a, "burglary", at(2026, 1, 20, 10), "closed", 4)
    report(a, "burglary", at(2026, 2, 1, 10))
    report(a, "noise", at(2026, 3, 1, 10), "closed", 1)
    report(a, "noise", at(2025, 12, 1, 10))  # before the period, still open
    report(d, "noise", at(2026, 1, 1, 10))  # another zone

    Sign.objects.create(network=a, street="Kerkstraat", state="placed", placed_on=date(2026, 1, 10))
    Sign.objects.create(network=a, street="Kerkstraat", state="placed", placed_on=date(2025, 6, 1))
    Sign.objects.create(network=a, street="Molenstraat", state="planned")
    for kind, status, when in [
        ("member_meeting", "held", at(2026, 2, 15, 20)),
        ("steering", "held", at(2026, 3, 10, 20)),
        ("member_meeting", "planned", at(2026, 3, 20, 20)),
        ("member_meeting", "held", at(2025, 10, 1, 20)),
    ]:
        Meeting.objects.create(network=a, kind=kind, status=status, starts_at=when, place="Zaal")
    CharterVersion.objects.create(
        network=a, number=1, status="signed", signed_at=at(2026, 1, 5), house_rules="..."
    )
    CharterVersion.objects.create(network=a, number=2, status="draft", house_rules="...")

    return Dataset(
        zone=zone, lede=lede, erpe=erpe, a=a, b=b, c=c, d=d, members=members,
        messages={"m1": m1, "m2": m2, "m3": m3, "m5": m5, "m6": m6},
        period=Period(start=date(2026, 1, 1), end=date(2026, 3, 31)), users=users,
    )  # fmt: skip
