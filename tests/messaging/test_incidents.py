"""Members' reports (meldingen): sent by personal link, routed to the network's
coordinator and the zone's officers, triaged forward-only with feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.services.core import member_erase
from messaging.models import IncidentReport
from messaging.services.incidents import incident_create, incident_share, incident_triage
from messaging.views import incidents
from networks.models import Role
from outbox.gateways import locmem
from outbox.models import Notification
from tests.factories import MemberFactory, user_with_role
from tests.messaging.incident_helpers import (  # noqa: F401 - _private_media, _reporter: autouse fixtures
    PNG,
    _data,
    _private_media,
    _report,
    _reporter,
    _url,
)

# --- the service ---------------------------------------------------------------------


def test_the_service_keys_its_errors_by_field(world):
    with pytest.raises(ValidationError) as caught:
        incident_create(
            member=world.member,
            category="nope",
            happened_at=timezone.now() + timedelta(days=1),
            street="Elders",
            description=" ",
            photo=ContentFile(b"not an image", name="x.png"),
        )
    assert set(caught.value.message_dict) == {
        "category",
        "happened_at",
        "street",
        "description",
        "photo",
    }
    assert not IncidentReport.objects.exists()


# --- triage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "ok"),
    [
        ("new", "acknowledged", True),
        ("new", "forwarded", False),
        ("new", "closed", False),
        ("acknowledged", "forwarded", True),
        ("acknowledged", "closed", True),
        ("acknowledged", "new", False),
        ("forwarded", "closed", True),
        ("forwarded", "acknowledged", False),
        ("forwarded", "new", False),
    ],
)
def test_statuses_only_move_forward(world, start, to, ok):
    report = _report(world, status=start)
    officer = world.users["officer"]
    if ok:
        incident_triage(report=report, handled_by=officer, status=to)
        report.refresh_from_db()
        assert report.status == to and report.handled_by == officer
    else:
        with pytest.raises(ValidationError) as caught:
            incident_triage(report=report, handled_by=officer, status=to)
        assert "status" in caught.value.message_dict
        report.refresh_from_db()
        assert report.status == start


def test_a_closed_report_stays_closed(world):
    report = _report(world, status="closed")
    for status in IncidentReport.Status.values:
        with pytest.raises(ValidationError):
            incident_triage(
                report=report, handled_by=world.users["admin"], status=status, feedback="Hi"
            )
    report.refresh_from_db()
    assert report.status == "closed" and report.feedback == ""


def test_triage_through_the_page_sets_triaged_at_once(client, world):
    report = _report(world)
    client.force_login(world.users["officer"])
    url = reverse("messaging:incident", args=[report.pk])
    page = client.get(url)
    assert [c[0] for c in page.context["form"].fields["status"].choices] == ["acknowledged", "new"]

    response = client.post(url, {"status": "forwarded"})
    assert response.status_code == 200 and "status" in response.context["form"].errors
    report.refresh_from_db()
    assert report.status == "new" and report.triaged_at is None

    assert client.post(url, {"status": "acknowledged"}).status_code == 302
    report.refresh_from_db()
    first = report.triaged_at
    assert report.status == "acknowledged" and first is not None
    assert report.handled_by == world.users["officer"]

    assert client.post(url, {"status": "closed"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "closed" and report.triaged_at == first

    closed = client.get(url)
    assert closed.context["form"] is None
    client.post(url, {"status": "new"})
    report.refresh_from_db()
    assert report.status == "closed"


def test_keeping_the_status_needs_feedback(world):
    report = _report(world)
    with pytest.raises(ValidationError) as caught:
        incident_triage(report=report, handled_by=world.users["officer"], status="new")
    assert "status" in caught.value.message_dict


def test_feedback_reaches_the_reporter_by_email(client, world):
    report = _report(world)
    client.force_login(world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("messaging:incident", args=[report.pk]),
            {"status": "acknowledged", "feedback": "We patrol the Kerkstraat tonight."},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.member.email]
    assert "We patrol the Kerkstraat tonight." in email.body
    assert Notification.objects.get().kind == "report_feedback"
    report.refresh_from_db()
    assert "We patrol the Kerkstraat tonight." in report.feedback
    assert report.status == "acknowledged"


def test_feedback_by_sms_when_the_reporter_has_no_email(world):
    member = MemberFactory(network=world.network, email="", language="fr")
    report = _report(world, member=member, status="forwarded")
    with TestCase.captureOnCommitCallbacks(execute=True):
        incident_triage(
            report=report, handled_by=world.users["officer"], status="forwarded",
            feedback="Merci, la police est passée.",
        )  # fmt: skip
    assert not mail.outbox
    assert len(locmem.outbox) == 1
    assert "Merci, la police est passée." in locmem.outbox[0].body
    assert locmem.outbox[0].to == str(member.mobile_phone)


def test_no_feedback_to_a_reporter_who_left(client, world):
    report = _report(world)
    member_erase(member=world.member, actor=None, reason="left")
    client.force_login(world.users["officer"])
    url = reverse("messaging:incident", args=[report.pk])
    response = client.post(url, {"status": "acknowledged", "feedback": "Thanks"})
    assert response.status_code == 200 and "feedback" in response.context["form"].errors
    report.refresh_from_db()
    assert report.status == "new" and not Notification.objects.exists()
    # Without feedback the report can still be handled.
    assert client.post(url, {"status": "acknowledged"}).status_code == 302


@pytest.mark.parametrize(
    "role", ["co_coordinator", "steering", "coordinator_other", "officer_other", "municipal"]
)
def test_who_may_not_triage(client, world, role):
    report = _report(world)
    client.force_login(world.users[role])
    response = client.post(
        reverse("messaging:incident", args=[report.pk]), {"status": "acknowledged"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "new"


def test_the_service_checks_the_triage_permission(world):
    from django.core.exceptions import PermissionDenied

    report = _report(world)
    with pytest.raises(PermissionDenied):
        incident_triage(
            report=report, handled_by=world.users["coordinator_other"], status="acknowledged"
        )


# --- the staff pages ---------------------------------------------------------------


@pytest.fixture
def photo_report(world):
    report = _report(world)
    report.photo.save("x.png", ContentFile(PNG), save=True)
    return report


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_the_police_open_the_photo(client, world, photo_report, role):
    client.force_login(world.users[role])
    response = client.get(reverse("messaging:incident_photo", args=[photo_report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = client.get(reverse("messaging:incident", args=[photo_report.pk])).content.decode()
    assert reverse("messaging:incident_photo", args=[photo_report.pk]) in page


@pytest.mark.parametrize(
    "role",
    [
        "coordinator",
        "co_coordinator",
        "steering",
        "coordinator_other",
        "officer_other",
        "municipal",
        "federal",
        "member",
    ],
)
def test_nobody_else_sees_the_photo(client, world, photo_report, role):
    client.force_login(world.users[role])
    url = reverse("messaging:incident_photo", args=[photo_report.pk])
    response = client.get(url)
    assert response.status_code in (403, 404)
    if role == "coordinator":
        assert response.status_code == 403
        page = client.get(reverse("messaging:incident", args=[photo_report.pk])).content.decode()
        assert url not in page and "Members report to the police first" in page


def test_no_photo_is_a_404(client, world):
    report = _report(world)
    client.force_login(world.users["officer"])
    assert client.get(reverse("messaging:incident_photo", args=[report.pk])).status_code == 404


def test_coordinator_in_privacy_mode_sees_the_name_only(client, world):
    world.network.privacy_mode = True
    world.network.save(update_fields=["privacy_mode"])
    report = _report(world)
    incident_share(report=report, shared_by=world.users["officer"])
    url = reverse("messaging:incident", args=[report.pk])
    member = world.member
    client.force_login(world.users["coordinator"])
    body = client.get(url).content.decode()
    assert member.full_name in body
    assert member.email not in body and member.mobile_phone.as_international not in body
    client.force_login(world.users["officer"])
    body = client.get(url).content.decode()
    assert member.email in body


def test_the_list_filters_counts_and_orders(client, world, monkeypatch):
    old = _report(world, category="noise", status="closed")
    IncidentReport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    burglary = _report(world, category="burglary")
    noise = _report(world, category="noise", status="acknowledged")
    _report(world, network=world.other_network, member=world.other_member, category="noise")
    client.force_login(world.users["coordinator"])
    url = reverse("messaging:incidents", args=[world.network.slug])

    response = client.get(url)
    assert list(response.context["page"].object_list) == [noise, burglary, old]
    counts = {status: n for status, _label, n in response.context["counts"]}
    assert counts == {"new": 1, "acknowledged": 1, "forwarded": 0, "closed": 1}

    assert list(client.get(url, {"status": "new"}).context["page"].object_list) == [burglary]
    assert list(client.get(url, {"category": "noise"}).context["page"].object_list) == [
        noise,
        old,
    ]
    both = client.get(url, {"category": "noise", "status": "closed"})
    assert list(both.context["page"].object_list) == [old]

    monkeypatch.setattr(incidents, "PAGE_SIZE", 2)
    second = client.get(url, {"page": 2})
    assert list(second.context["page"].object_list) == [old]
    assert client.get(url, {"status": "bogus"}).status_code == 200


def test_the_reports_tab_only_for_those_who_see_reports(client, world):
    tab = reverse("messaging:incidents", args=[world.network.slug])
    page = reverse("networks:detail", args=[world.network.slug])
    for role, shown in (("coordinator", True), ("officer", True), ("steering", False)):
        client.force_login(world.users[role])
        assert (tab in client.get(page).content.decode()) is shown, role


def test_a_new_report_goes_to_the_officers_only(client, world):
    """Seed 003: members report "onmiddellijk en rechtstreeks aan de politie"."""
    second = user_with_role(Role.OFFICER, scope=world.zone, email="second.officer@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(_url(world.member), _data())
    told = {n.to for n in Notification.objects.filter(kind="member_report_new")}
    assert told == {world.users["officer"].email, second.email}


def test_coordinators_see_category_street_and_time_until_an_officer_shares(client, world):
    report = _report(world)
    IncidentReport.objects.filter(pk=report.pk).update(
        person_description="Rode jas, liep naar het station", plate="1-ABC-234"
    )
    url = reverse("messaging:incident", args=[report.pk])
    list_url = reverse("messaging:incidents", args=[world.network.slug])
    client.force_login(world.users["coordinator"])
    body = client.get(url).content.decode() + client.get(list_url).content.decode()
    assert report.street in body and report.get_category_display() in body
    for hidden in (report.description[:20], "Rode jas", "1-ABC-234", world.member.last_name):
        assert hidden not in body, hidden
    # Only the police triage and share.
    assert client.post(url, {"status": "acknowledged"}).status_code == 403
    share = reverse("messaging:incident_share", args=[report.pk])
    assert client.post(share).status_code == 403

    client.force_login(world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(share).status_code == 302
    shared = [m for m in mail.outbox if m.to == [world.users["coordinator"].email]]
    assert len(shared) == 1 and url in shared[0].body
    assert "Rode jas" not in shared[0].body  # the text stays on the platform

    client.force_login(world.users["coordinator"])
    body = client.get(url).content.decode()
    assert "Rode jas" in body and "1-ABC-234" in body


def test_erasure_unlinks_reports_and_the_download_lists_them(client, world):
    from django.utils import timezone

    from members.services.core import member_erase
    from members.tokens import member_personal_url
    from messaging.models import IncidentReport

    report = IncidentReport.objects.create(
        network=world.network, member=world.member, category="noise",
        happened_at=timezone.now(), street="Kerkstraat", description="Lawaai",
    )  # fmt: skip
    from urllib.parse import urlparse

    path = urlparse(member_personal_url(member=world.member)).path
    data = client.get(path + "data.json").json()
    assert data["reports"][0]["description"] == "Lawaai"
    member_erase(member=world.member)
    report.refresh_from_db()
    assert report.member is None and report.description == "Lawaai"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False), ("member", False), ("coordinator", False),
        ("co_coordinator", False), ("steering", False), ("coordinator_other", False),
        ("officer", True), ("officer_other", False), ("municipal", False),
        ("federal", False), ("admin", True),
    ],
)  # fmt: skip
def test_who_shares_a_report_with_the_coordinators(client, world, role, allowed):
    report = _report(world)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("messaging:incident_share", args=[report.pk]))
    report.refresh_from_db()
    assert (report.shared_with_coordinators_at is not None) is allowed
    assert response.status_code == (302 if allowed else (302 if user is None else 403))


def test_an_officer_shares_a_nuisance_report_with_the_municipality_only(client, world):
    """Seeds 003/004: police and municipality handle nuisance together; the
    municipality's staff see the shared report, never the list or members."""
    crime = _report(world, category="burglary")
    dumping = _report(world, category="dumping")
    url = reverse("messaging:incident", args=[dumping.pk])
    share = reverse("messaging:incident_share_municipality", args=[dumping.pk])
    municipal = world.users["municipal"]
    client.force_login(municipal)
    assert client.get(url).status_code == 403  # not before it is shared
    assert client.post(share).status_code == 403

    client.force_login(world.users["officer"])
    assert "Share with the municipality" in client.get(url).content.decode()
    assert (
        "Share with the municipality"
        not in client.get(reverse("messaging:incident", args=[crime.pk])).content.decode()
    )  # crime stays with the police
    assert (
        client.post(reverse("messaging:incident_share_municipality", args=[crime.pk])).status_code
        == 403
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(share).status_code == 302
    assert [m.to for m in mail.outbox if url in m.body] == [[municipal.email]]

    client.force_login(municipal)
    body = client.get(url).content.decode()
    assert dumping.description[:20] in body
    assert client.get(reverse("messaging:incident", args=[crime.pk])).status_code == 403
    assert client.get(reverse("messaging:incidents", args=[world.network.slug])).status_code == 403
    assert client.get(reverse("members:list", args=[world.network.slug])).status_code == 403
    # Another municipality's staff see nothing.
    client.force_login(world.users["municipal_other"])
    assert client.get(url).status_code == 403
