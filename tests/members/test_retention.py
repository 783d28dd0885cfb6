"""Retention: unverified sign-ups, leftovers of members who left, old message copies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from members.models import AuditEntry, ConsentRecord, Member
from members.services.core import member_retention
from members.tasks import member_retention_task
from outbox.models import Notification
from tests.factories import MemberFactory


def _age(obj, *, days: int) -> None:
    """Move created_at back (auto_now_add ignores assignment, .update() does not)."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def old() -> int:
    return settings.SIGNUP_RETENTION_DAYS + 1


def test_unverified_signups_older_than_the_retention_period_are_deleted(world, old):
    stale = MemberFactory(
        network=world.network, status=Member.Status.PENDING, email_verified_at=None
    )
    ConsentRecord.objects.create(
        member=stale, subject="house_rules", version="1", given_at=timezone.now(), method="web_form"
    )
    _age(stale, days=old)
    # Email verified, phone not: still unverified.
    half = MemberFactory(
        network=world.network, status=Member.Status.PENDING, email_verified_at=timezone.now()
    )
    _age(half, days=old)
    verified = MemberFactory(
        network=world.network,
        status=Member.Status.PENDING,
        email_verified_at=timezone.now(),
        phone_verified_at=timezone.now(),
    )
    _age(verified, days=old)
    recent = MemberFactory(
        network=world.network, status=Member.Status.PENDING, email_verified_at=None
    )
    _age(recent, days=settings.SIGNUP_RETENTION_DAYS - 1)
    active_old = MemberFactory(network=world.network, status=Member.Status.ACTIVE)
    _age(active_old, days=old * 10)

    result = member_retention()

    assert result["purged_signups"] == 2
    assert not Member.objects.filter(pk__in=[stale.pk, half.pk]).exists()
    assert not ConsentRecord.objects.filter(member_id=stale.pk).exists()
    assert Member.objects.filter(pk__in=[verified.pk, recent.pk, active_old.pk]).count() == 3
    entry = AuditEntry.objects.get(member_id_ref=stale.pk, action="erase")
    assert entry.actor is None
    assert entry.detail == {"reason": "unverified sign-up"}


def test_members_who_left_with_leftover_data_are_erased(world):
    leftover = MemberFactory(
        network=world.network,
        status=Member.Status.LEFT,
        last_name="Vermeulen",
        email="vermeulen@example.org",
    )
    ConsentRecord.objects.create(
        member=leftover, subject="sms", version="1", given_at=timezone.now(), method="paper"
    )
    left_count = Member.objects.filter(network=world.network, status=Member.Status.LEFT).count()

    result = member_retention()

    assert result["erased_members"] == 1
    leftover.refresh_from_db()
    assert leftover.status == Member.Status.LEFT
    assert (leftover.first_name, leftover.last_name, leftover.email) == ("", "", "")
    assert not leftover.mobile_phone and not leftover.street
    assert not leftover.consents.exists()
    # The anonymous count stays.
    assert (
        Member.objects.filter(network=world.network, status=Member.Status.LEFT).count()
        == left_count
    )
    assert AuditEntry.objects.filter(
        member_id_ref=leftover.pk, action="erase", detail={"reason": "retention"}
    ).exists()
    # Nothing left to do the second time.
    assert member_retention()["erased_members"] == 0


def test_old_sent_messages_are_scrubbed_but_recent_and_queued_ones_kept(world, old):
    member = world.member

    def notification(status: str, *, days: int) -> Notification:
        row = Notification.objects.create(
            kind="welcome", channel="email", to=member.email, subject="Welcome",
            body="Dear member", about=member, status=status,
        )  # fmt: skip
        _age(row, days=days)
        return row

    old_sent = notification(Notification.Status.SENT, days=old)
    old_failed = notification(Notification.Status.FAILED, days=old)
    old_queued = notification(Notification.Status.QUEUED, days=old)
    recent_sent = notification(Notification.Status.SENT, days=1)

    result = member_retention()

    assert result["scrubbed_messages"] == 2
    for row in (old_sent, old_failed):
        row.refresh_from_db()
        assert (row.to, row.body, row.subject, row.about_id) == ("", "", "", None)
        assert row.kind == "welcome"  # what was sent, when, stays for the statistics
    for row in (old_queued, recent_sent):
        row.refresh_from_db()
        assert row.to == member.email and row.body == "Dear member"
        assert row.about_id == member.pk


def test_retention_runs_periodically_as_a_task(world, old):
    entry = settings.CELERY_BEAT_SCHEDULE["members-retention"]
    assert entry["task"] == "members.tasks.member_retention_task"
    assert member_retention_task.name == entry["task"]
    stale = MemberFactory(
        network=world.network, status=Member.Status.PENDING, email_verified_at=None
    )
    _age(stale, days=old)

    member_retention_task.delay()  # eager in tests

    assert not Member.objects.filter(pk=stale.pk).exists()
