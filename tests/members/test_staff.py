"""The coordinator's member management: list, queue, add, edit, actions,
privacy mode, access report and audit log."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import AuditEntry, ConsentRecord, Member, Rejection
from outbox.models import Notification
from outbox.selectors import notifications_about
from tests.factories import MemberFactory


def _verified_pending(network, **kwargs):
    now = timezone.now()
    return MemberFactory(
        network=network,
        status=Member.Status.PENDING,
        email_verified_at=now,
        phone_verified_at=now,
        **kwargs,
    )


def _post(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.users["coordinator"])
    return client


def test_filters_and_sorting(coordinator, world):
    network = world.network
    MemberFactory(network=network, last_name="Aerts", language="fr", by_sms=False)
    MemberFactory(network=network, last_name="Zeger", status=Member.Status.SUSPENDED)
    url = reverse("members:list", args=[network.slug])
    names = lambda response: [m.last_name for m in response.context["page"].object_list]  # noqa: E731
    assert names(coordinator.get(url, {"language": "fr"})) == ["Aerts"]
    assert "Zeger" in names(coordinator.get(url, {"status": "suspended"}))
    assert "Aerts" not in names(coordinator.get(url, {"channel": "sms"}))
    assert names(coordinator.get(url, {"sort": "-name"}))[0] == "Zeger"
    assert coordinator.get(url, {"street": "Nowhere"}).status_code == 200  # invalid choice ignored


def test_approval_queue_shows_verified_signups_only(coordinator, world):
    verified = _verified_pending(world.network, last_name="Verified")
    MemberFactory(network=world.network, status=Member.Status.PENDING, last_name="Unverified")
    response = coordinator.get(reverse("members:queue", args=[world.network.slug]))
    assert list(response.context["members"]) == [verified]


def test_approve_sends_welcome_with_personal_link(coordinator, world):
    member = _verified_pending(world.network)
    url = reverse("members:action", args=[world.network.slug, member.pk, "approve"])
    response = _post(coordinator, url, {"next": "queue"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    welcome = Notification.objects.get(kind="welcome")
    assert welcome.to == member.email and welcome.status == Notification.Status.SENT
    from django.core import mail

    assert mail.outbox[-1].to == [member.email] and "/me/" in mail.outbox[-1].body
    assert AuditEntry.objects.filter(action="approve", member_id_ref=member.pk).exists()


def test_reject_sends_the_reason_and_deletes_the_applicant(coordinator, world):
    member = _verified_pending(world.network, email="reject.me@example.org")
    url = reverse("members:action", args=[world.network.slug, member.pk, "reject"])
    # A reason and a category are required.
    _post(coordinator, url, {"reason": "  ", "category": "outside_area"})
    _post(coordinator, url, {"reason": "Uw adres ligt buiten het gebied."})
    assert Member.objects.filter(pk=member.pk).exists()
    assert not Rejection.objects.exists()
    _post(
        coordinator, url, {"reason": "Uw adres ligt buiten het gebied.", "category": "outside_area"}
    )
    assert not Member.objects.filter(pk=member.pk).exists()
    notice = Notification.objects.get(kind="rejection")
    assert "buiten het gebied" in notice.body and notice.to == "reject.me@example.org"
    # The decision stays for the police's oversight, without the applicant.
    rejection = Rejection.objects.get()
    assert (rejection.network, rejection.category) == (world.network, "outside_area")
    assert rejection.rejected_by == world.users["coordinator"]
    assert "reject.me" not in str(Rejection.objects.values().get())


def test_the_zone_officer_oversees_rejections_per_network(client, world):
    member = _verified_pending(world.network, email="weg@example.org", last_name="Peeters")
    client.force_login(world.users["coordinator"])
    client.post(
        reverse("members:action", args=[world.network.slug, member.pk, "reject"]),
        {"reason": "Niet meerderjarig volgens de gegevens.", "category": "not_adult"},
    )
    url = reverse("members:rejections", args=[world.network.slug])
    # The coordinator decided; the officer oversees.
    assert client.get(url).status_code == 403
    client.force_login(world.users["officer"])
    body = client.get(url).content.decode()
    assert "Not of age" in body and "Niet meerderjarig" in body
    assert world.users["coordinator"].get_full_name() in body
    assert "Peeters" not in body and "weg@example.org" not in body
    assert (
        "Rejected sign-ups"
        in client.get(reverse("members:list", args=[world.network.slug])).content.decode()
    )


def test_suspend_reactivate_remove(coordinator, world):
    member = world.member
    action = lambda name: reverse("members:action", args=[world.network.slug, member.pk, name])  # noqa: E731
    _post(coordinator, action("suspend"))
    member.refresh_from_db()
    assert member.status == Member.Status.SUSPENDED
    _post(coordinator, action("reactivate"))
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    email = member.email
    _post(coordinator, action("remove"))
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    assert member.email == "" and member.last_name == "" and not member.consents.exists()
    assert not Member.objects.filter(email=email).exists()
    assert coordinator.post(action("explode")).status_code == 404


def test_bulk_actions_are_all_or_nothing(coordinator, world):
    pending = [_verified_pending(world.network) for _ in range(3)]
    url = reverse("members:bulk", args=[world.network.slug])
    _post(coordinator, url, {"action": "approve", "members": [m.pk for m in pending]})
    assert Member.objects.filter(pk__in=[m.pk for m in pending], status="active").count() == 3
    # Approving an active member fails, so nothing of the batch changes.
    other = _verified_pending(world.network)
    response = _post(coordinator, url, {"action": "approve", "members": [other.pk, pending[0].pk]})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == Member.Status.PENDING
    # Members of another network cannot be smuggled in.
    _post(coordinator, url, {"action": "suspend", "members": [world.other_member.pk]})
    world.other_member.refresh_from_db()
    assert world.other_member.status == Member.Status.ACTIVE


def test_add_member_by_hand(coordinator, world):
    url = reverse("members:add", args=[world.network.slug])
    data = {
        "first_name": "Mieke",
        "last_name": "Janssensx",
        "street": "Kerkstraat",
        "house_number": "14",
        "postcode": "9340",
        "email": "mieke@example.org",
        "mobile_phone": "0470/98.76.54",
        "language": "nl",
        "by_sms": "on",
        "by_email": "on",
        "relation": "lives",
        "consent_method": "paper",
        "consent_confirmed": "on",
    }
    # Bad phone and no consent: errors next to the fields, nothing stored.
    response = coordinator.post(
        url, {**data, "mobile_phone": "053 60 64 64", "consent_confirmed": ""}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "mobile_phone" in errors and "consent_confirmed" in errors
    assert not Member.objects.filter(last_name="Janssensx").exists()
    response = _post(coordinator, url, data)
    member = Member.objects.get(last_name="Janssensx")
    assert response.status_code == 302
    assert str(member.mobile_phone) == "+32470987654"
    assert member.status == Member.Status.ACTIVE
    methods = set(member.consents.values_list("method", flat=True))
    assert methods == {ConsentRecord.Method.PAPER}
    assert notifications_about(obj=member).filter(kind="welcome").exists()


def test_edit_member_checks_the_address(coordinator, world):
    member = world.member
    url = reverse("members:edit", args=[world.network.slug, member.pk])
    form = coordinator.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update(
        {"street": "Kerkstraat", "house_number": "5", "by_email": "on", "relation": "lives"}
    )
    response = coordinator.post(url, {**data, "postcode": "1000"})
    assert "postcode" in response.context["form"].errors
    response = coordinator.post(url, {**data, "first_name": "Nieuwe"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Nieuwe"
    entry = AuditEntry.objects.get(action="change_member", member_id_ref=member.pk)
    assert "first_name" in entry.detail["fields"]


def test_privacy_mode_masks_contact_for_coordinators_not_officers(client, world):
    world.network.privacy_mode = True
    world.network.save()
    member = world.member
    urls = [
        reverse("members:list", args=[world.network.slug]),
        reverse("members:detail", args=[world.network.slug, member.pk]),
        reverse("members:queue", args=[world.network.slug]),
    ]
    client.force_login(world.users["coordinator"])
    for url in urls:
        body = client.get(url).content.decode()
        assert member.email not in body and member.mobile_phone.as_international not in body, url
    assert member.last_name in client.get(urls[0]).content.decode()
    access = reverse("members:access_report", args=[world.network.slug, member.pk])
    assert client.get(access).status_code == 403
    # Saving the edit form in privacy mode keeps the hidden contact data.
    edit = reverse("members:edit", args=[world.network.slug, member.pk])
    form = client.get(edit).context["form"]
    assert member.email not in client.get(edit).content.decode()
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update({"first_name": "Anders", "by_sms": "on", "relation": "lives"})
    assert client.post(edit, data).status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Anders" and member.email
    client.force_login(world.users["officer"])
    assert member.email in client.get(urls[1]).content.decode()


def test_viewing_details_and_access_report_is_audited(client, world):
    client.force_login(world.users["officer"])
    member = world.member
    client.get(reverse("members:detail", args=[world.network.slug, member.pk]))
    report = client.get(reverse("members:access_report", args=[world.network.slug, member.pk]))
    assert report.status_code == 200
    body = report.content.decode()
    assert member.email in body
    assert "Consent records" in body
    actions = set(
        AuditEntry.objects.filter(member_id_ref=member.pk).values_list("action", flat=True)
    )
    assert {"view_member", "view_access_report"} <= actions
    log = client.get(reverse("members:audit", args=[world.network.slug]))
    assert log.status_code == 200
    assert len(log.context["page"].object_list) >= 2
    # Coordinators do not read the audit log.
    client.force_login(world.users["coordinator"])
    assert client.get(reverse("members:audit", args=[world.network.slug])).status_code == 403


def test_audit_entries_cannot_be_changed_in_the_admin(client, world):
    client.force_login(world.users["admin"])
    client.get(reverse("members:detail", args=[world.network.slug, world.member.pk]))
    entry = AuditEntry.objects.first()
    change = reverse("admin:members_auditentry_change", args=[entry.pk])
    response = client.post(change, {"action": "export"})
    entry.refresh_from_db()
    assert entry.action == "view_member"
    assert response.status_code in (200, 403)
    delete = reverse("admin:members_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_member_list_is_fast_at_scale(client, world, django_assert_max_num_queries):
    """Queries stay flat with page size; the page is filled from one query."""
    Member.objects.bulk_create(
        Member(
            network=world.network,
            first_name=f"F{i}",
            last_name=f"L{i:05d}",
            street="Kerkstraat",
            house_number=str(i % 200 + 1),
            postcode="9340",
            email=f"bulk{i}@example.org",
            mobile_phone=f"+3248{i:07d}",
            status=Member.Status.ACTIVE,
        )
        for i in range(2000)
    )
    client.force_login(world.users["coordinator"])
    url = reverse("members:list", args=[world.network.slug])
    with django_assert_max_num_queries(14):
        response = client.get(url, {"q": "L0012", "sort": "-joined"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 10


def test_privacy_mode_search_does_not_match_contact_data(client, world):
    world.network.privacy_mode = True
    world.network.save()
    member = MemberFactory(
        network=world.network, last_name="Geheim", email="alice.secret@example.org",
        mobile_phone="+32470998877",
    )  # fmt: skip
    url = reverse("members:list", args=[world.network.slug])
    client.force_login(world.users["coordinator"])
    for q in ("alice.secret", "0470 99 88 77"):
        assert member not in client.get(url, {"q": q}).context["page"].object_list, q
    assert member in client.get(url, {"q": "Geheim"}).context["page"].object_list
    client.force_login(world.users["officer"])
    assert member in client.get(url, {"q": "alice.secret"}).context["page"].object_list


def test_unverified_web_signups_cannot_be_approved(coordinator, world):
    from members.models import Source

    member = MemberFactory(
        network=world.network, status=Member.Status.PENDING, source=Source.WEB_FORM
    )
    url = reverse("members:action", args=[world.network.slug, member.pk, "approve"])
    _post(coordinator, url)
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING
    assert not Notification.objects.filter(kind="welcome").exists()


def test_changing_contact_data_drops_its_verification(world):
    from members.services.core import member_update

    member = _verified_pending(world.network)
    member_update(member=member, actor=world.users["coordinator"], email="new@example.org")
    member.refresh_from_db()
    assert member.email_verified_at is None and member.phone_verified_at is not None


def test_secrets_are_not_kept_once_sent(world):
    from django.core import mail

    member = _verified_pending(world.network)
    from members.services.core import member_approve

    with TestCase.captureOnCommitCallbacks(execute=True):
        member_approve(member=member, approved_by=world.users["coordinator"])
    welcome = Notification.objects.get(kind="welcome")
    assert welcome.status == Notification.Status.SENT
    assert welcome.body == "" and welcome.subject == ""
    assert "/me/" in mail.outbox[-1].body  # it did go out with the link


def test_erasure_cancels_failed_copies_and_clears_errors(world):
    from members.services.core import member_erase

    member = world.member
    Notification.objects.create(
        kind="welcome", channel="email", to=member.email, body="x", about=member,
        status=Notification.Status.FAILED, last_error=f"550 no such user {member.email}",
    )  # fmt: skip
    member_erase(member=member, actor=world.users["coordinator"])
    row = Notification.objects.get()
    assert row.status == Notification.Status.CANCELLED
    assert row.to == "" and row.last_error == "" and row.about is None


def test_the_admin_cannot_edit_or_delete_members(client, world):
    client.force_login(world.users["admin"])
    member = world.member
    change = reverse("admin:members_member_change", args=[member.pk])
    client.post(change, {"first_name": "Hacked"})
    member.refresh_from_db()
    assert member.first_name != "Hacked"
    delete = reverse("admin:members_member_delete", args=[member.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()
