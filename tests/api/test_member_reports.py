"""Members' reports for the zone's officers; contact data only with the
explicit scope, and every read of it in the audit log."""

from __future__ import annotations

from api.scopes import Scope
from members.models import AuditEntry
from tests.test_role_matrix import _report

READ = [Scope.MEMBER_REPORTS_READ]
WITH_CONTACT = [Scope.MEMBER_REPORTS_READ, Scope.MEMBER_CONTACT_READ]


def test_officer_reads_reports_without_contact_data_by_default(world, api):
    pk = _report(world)["pk"]
    response = api("officer", scopes=READ).get("/api/v1/member-reports/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == pk and row["reporter"] is None
    body = response.content.decode()
    assert world.member.email not in body and world.member.last_name not in body
    assert not AuditEntry.objects.exists()


def test_contact_data_with_the_scope_is_logged_per_read(world, api):
    pk = _report(world)["pk"]
    client = api("officer", scopes=WITH_CONTACT)
    row = client.get(f"/api/v1/member-reports/{pk}/").json()
    assert row["reporter"]["email"] == world.member.email
    assert row["reporter"]["mobile_phone"] == str(world.member.mobile_phone)
    client.get("/api/v1/member-reports/")
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_MEMBER)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == world.users["officer"] and entry.member_id_ref == world.member.pk
    assert entry.detail["via"] == "api" and entry.detail["member_report"] == pk


def test_no_contact_data_for_an_admin_token_even_with_the_scope(world, api):
    pk = _report(world)["pk"]
    row = api("admin", scopes=WITH_CONTACT).get(f"/api/v1/member-reports/{pk}/").json()
    assert row["id"] == pk and row["reporter"] is None
    assert not AuditEntry.objects.exists()


def test_no_reports_for_coordinators_or_other_zones(world, api):
    pk = _report(world)["pk"]
    for role in ("coordinator", "officer_other", "municipal"):
        client = api(role, scopes=WITH_CONTACT)
        assert client.get("/api/v1/member-reports/").json()["results"] == [], role
        assert client.get(f"/api/v1/member-reports/{pk}/").status_code == 404, role
    assert not AuditEntry.objects.exists()


def test_report_filters(world, api):
    _report(world)
    client = api("officer", scopes=READ)
    assert len(client.get("/api/v1/member-reports/?category=noise").json()["results"]) == 1
    assert client.get("/api/v1/member-reports/?category=fire").json()["results"] == []
    assert client.get("/api/v1/member-reports/?status=closed").json()["results"] == []
    assert client.get("/api/v1/member-reports/?category=ufo").status_code == 400
