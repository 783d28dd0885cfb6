"""What coordinators see of members' reports follows the communication plan
(``CommunicationPolicy.member_reports``): nothing until an officer shares a
report, every report's category, street and time, or only the shared ones.
Descriptions of people, plates, the reporter and photos never reach them
unless an officer shared the report (photos not even then)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from charters.plan import default_plan
from messaging.hooks import communication_plan
from messaging.models import IncidentReport
from messaging.selectors import policy
from messaging.services.incidents import incident_share
from outbox.models import Notification
from tests.messaging.incident_helpers import (  # noqa: F401 - _private_media, _reporter: autouse fixtures
    PNG,
    _data,
    _private_media,
    _report,
    _reporter,
    _url,
)

SETTINGS = [choice.value for choice in policy.CoordinatorReports]
SECRETS = ("Rode jas, liep naar het station", "1-ABC-234")


@pytest.fixture
def plan(monkeypatch):
    """Set what the network's plan shows coordinators of members' reports."""

    def apply(value: str) -> None:
        # Through the hook charters provides: what a signed charter would give.
        monkeypatch.setattr(
            communication_plan,
            "_provider",
            lambda *, network: ({**default_plan(), "member_reports": value}, 1),
        )

    return apply


def _reports(world):
    hidden = _report(world, category="burglary", street="Molenstraat")
    IncidentReport.objects.filter(pk=hidden.pk).update(
        person_description=SECRETS[0], plate=SECRETS[1]
    )
    shared = _report(world, category="noise", street="Kerkstraat", status="acknowledged")
    IncidentReport.objects.filter(pk=shared.pk).update(
        shared_with_coordinators_at=timezone.now(), person_description="Blauwe pet op de fiets"
    )
    hidden.refresh_from_db()
    shared.refresh_from_db()
    return hidden, shared


def test_the_default_is_category_street_and_time():
    assert policy.DEFAULT_POLICY.member_reports == "summary"
    assert policy.CommunicationPolicy.from_plan({}).member_reports == "summary"
    assert policy.CommunicationPolicy.from_plan({"member_reports": "bogus"}).member_reports == (
        "summary"
    )
    for value in SETTINGS:
        assert policy.CommunicationPolicy.from_plan({"member_reports": value}).member_reports == (
            value
        )


@pytest.mark.parametrize(
    "setting, listed, counts, hidden_opens",
    [
        ("nothing", None, None, False),
        ("summary", ["shared", "hidden"], {"new": 1, "acknowledged": 1}, True),
        ("shared", ["shared"], {"new": 0, "acknowledged": 1}, False),
    ],
)
def test_coordinators_see_what_the_plan_says(
    client, world, plan, setting, listed, counts, hidden_opens
):
    plan(setting)
    hidden, shared = _reports(world)
    by_name = {"hidden": hidden, "shared": shared}
    list_url = reverse("messaging:incidents", args=[world.network.slug])
    tab_page = reverse("networks:detail", args=[world.network.slug])
    for role in ("coordinator", "co_coordinator"):
        client.force_login(world.users[role])
        response = client.get(list_url)
        tab_shown = list_url in client.get(tab_page).content.decode()
        if listed is None:
            assert response.status_code == 403, role
            assert not tab_shown
        else:
            assert response.status_code == 200, role
            assert tab_shown
            assert list(response.context["page"].object_list) == [by_name[n] for n in listed]
            got = {status: n for status, _label, n in response.context["counts"]}
            assert {k: got[k] for k in counts} == counts
            body = response.content.decode()
            assert ("Molenstraat" in body) is hidden_opens
            for secret in SECRETS:
                assert secret not in body
        detail = client.get(reverse("messaging:incident", args=[hidden.pk]))
        assert detail.status_code == (200 if hidden_opens else 403), role
        if hidden_opens:
            body = detail.content.decode()
            assert "Molenstraat" in body and hidden.get_category_display() in body
            for secret in (*SECRETS, hidden.description[:20], world.member.last_name):
                assert secret not in body
        # A shared report opens in full, whatever the setting; its photo never.
        body = client.get(reverse("messaging:incident", args=[shared.pk])).content.decode()
        assert "Blauwe pet op de fiets" in body
        photo = reverse("messaging:incident_photo", args=[shared.pk])
        assert client.get(photo).status_code == 403


@pytest.mark.parametrize("setting", SETTINGS)
def test_officers_are_unaffected(client, world, plan, setting):
    plan(setting)
    hidden, shared = _reports(world)
    client.force_login(world.users["officer"])
    response = client.get(reverse("messaging:incidents", args=[world.network.slug]))
    assert list(response.context["page"].object_list) == [shared, hidden]
    assert {s: n for s, _l, n in response.context["counts"]}["new"] == 1
    body = client.get(reverse("messaging:incident", args=[hidden.pk])).content.decode()
    assert SECRETS[0] in body and SECRETS[1] in body
    # Deciding whether to share, the officer reads what coordinators see without it.
    label = str(policy.CoordinatorReports(setting).label)
    assert f"(communication plan): {label}." in body


@pytest.mark.parametrize("setting", SETTINGS)
def test_other_roles_see_no_list_whatever_the_setting(client, world, plan, setting):
    plan(setting)
    hidden, shared = _reports(world)
    for role in ("steering", "coordinator_other", "municipal"):
        client.force_login(world.users[role])
        assert (
            client.get(reverse("messaging:incidents", args=[world.network.slug])).status_code == 403
        ), role
        for report in (hidden, shared):
            url = reverse("messaging:incident", args=[report.pk])
            assert client.get(url).status_code == 403, role


@pytest.mark.parametrize("setting", SETTINGS)
def test_notifications_follow_the_plan(client, world, plan, setting):
    """A new report tells the officers only; sharing it tells the coordinators,
    with the link and never the description, under every setting."""
    plan(setting)
    coordinator = world.users["coordinator"].email
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url(world.member), _data(person_description=SECRETS[0]))
    new = Notification.objects.filter(kind="member_report_new")
    assert new.exists() and not new.filter(to=coordinator).exists()
    report = IncidentReport.objects.get()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        incident_share(report=report, shared_by=world.users["officer"])
    told = [m for m in mail.outbox if m.to == [coordinator]]
    assert len(told) == 1
    assert reverse("messaging:incident", args=[report.pk]) in told[0].body
    assert SECRETS[0] not in told[0].body
    client.force_login(world.users["coordinator"])
    assert client.get(reverse("messaging:incident", args=[report.pk])).status_code == 200


@pytest.mark.parametrize(
    "setting, figures", [("nothing", False), ("summary", True), ("shared", False)]
)
def test_dashboard_figures_on_reports_follow_the_plan(client, world, plan, setting, figures):
    plan(setting)
    _reports(world)
    url = reverse("reports:network", args=[world.network.slug])
    heading = "Member reports in period"
    for role, shown in (
        ("coordinator", figures),
        ("steering", figures),
        ("officer", True),
        ("municipal", True),
    ):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 200, role
        report = response.context["report"]
        keys = [section.key for section in report.sections]
        assert ("member_reports" in keys) is shown, role
        networks = report.sections[0]
        column = networks.columns.index(heading)
        value = networks.rows[0][column]
        if shown:
            assert value not in (None, "—"), role
        else:
            assert value is None, role
        export = client.get(
            reverse("reports:network_export", kwargs={"slug": world.network.slug, "fmt": "csv"})
        )
        assert export.status_code == 200
