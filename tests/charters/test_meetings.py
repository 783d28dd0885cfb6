"""Meetings: planning, invitations through Messaging, RSVP by personal link,
closing, and the yearly reminder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from charters.models import Meeting, MeetingReminder, MeetingRSVP
from charters.selectors.meetings import meeting_overdue, meeting_rsvp_counts
from charters.services.meetings import (
    meeting_close,
    meeting_invite,
    meeting_reminders_send,
    meeting_rsvp,
    meeting_save,
)
from charters.tasks import meeting_reminders_task
from members.models import Member
from members.tokens import member_personal_token
from messaging.models import Message
from networks.models import Network
from outbox.models import Notification
from tests.factories import MemberFactory


def _meeting(world, *, days=10, kind="member_meeting", status="planned", **extra):
    return Meeting.objects.create(
        network=world.network,
        kind=kind,
        status=status,
        starts_at=timezone.now() + timedelta(days=days),
        place="Parochiezaal, Kerkstraat 3",
        agenda="1. Jaaroverzicht\n2. Preventie",
        **extra,
    )


def _rsvp_url(member, meeting, token: str | None = None) -> str:
    # Tokens carry a timestamp: the page's links use the token it was opened with.
    token = token or member_personal_token(member=member)
    return reverse("personal:meeting_rsvp", kwargs={"token": token, "pk": meeting.pk})


# --- Planning ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "co_coordinator", "officer", "admin"])
def test_who_plans_meetings(world, role):
    meeting = meeting_save(
        network=world.network,
        by=world.users[role],
        kind="info_evening",
        starts_at=timezone.now() + timedelta(days=3),
        place=" Zaal Familia ",
    )
    assert meeting.place == "Zaal Familia" and meeting.status == "planned"


@pytest.mark.parametrize("role", ["steering", "municipal", "coordinator_other", "officer_other"])
def test_who_does_not_plan_meetings(world, role):
    with pytest.raises(PermissionDenied):
        meeting_save(
            network=world.network, by=world.users[role], kind="member_meeting",
            starts_at=timezone.now() + timedelta(days=3), place="Zaal",
        )  # fmt: skip


def test_a_planned_meeting_lies_in_the_future(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("charters:governance:meeting_new", kwargs={"slug": world.network.slug})
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url, {"kind": "member_meeting", "starts_at": past, "place": "Zaal", "agenda": "x"}
    )
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert 'value="Zaal"' in response.content.decode()  # nothing lost
    future = (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url, {"kind": "member_meeting", "starts_at": future, "place": "Zaal", "agenda": "x"}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse(
        "charters:governance:meeting_detail", kwargs={"slug": world.network.slug, "pk": meeting.pk}
    )
    assert meeting.created_by == world.users["coordinator"]


def test_edit_keeps_an_unchanged_date(world):
    meeting = _meeting(world, days=1)
    meeting_save(
        network=world.network, by=world.users["coordinator"], meeting=meeting,
        kind="member_meeting", starts_at=meeting.starts_at, place="Other hall",
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.place == "Other hall"


# --- Invitation ----------------------------------------------------------------------------


def test_coordinator_invitation_is_a_draft_info_message_in_every_language(client, world):
    meeting = _meeting(world)
    coordinator = world.users["coordinator"]
    client.force_login(coordinator)
    url = reverse(
        "charters:governance:meeting_invite", kwargs={"slug": world.network.slug, "pk": meeting.pk}
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"by_email": "on"})
    message = Message.objects.get()
    assert response["Location"] == reverse("messaging:detail", args=[message.pk])
    assert message.kind == Message.Kind.INFO and message.status == Message.Status.DRAFT
    assert list(message.networks.all()) == [world.network]
    assert message.by_email and not message.by_sms and not message.by_voice
    assert set(message.texts) == set(world.network.languages)
    for texts in message.texts.values():
        assert "Parochiezaal, Kerkstraat 3" in texts["sms"]
        assert "Jaaroverzicht" in texts["body"]
        assert texts["subject"]
    meeting.refresh_from_db()
    assert meeting.invitation == message
    # The coordinator's own draft: Messaging's flow goes on (submit for approval).
    assert coordinator.has_perm("messaging.submit_message", message)
    assert not coordinator.has_perm("messaging.publish_message", message)
    # Inviting again brings the same draft up to date.
    client.post(url, {"by_email": "on", "by_sms": "on"})
    assert Message.objects.count() == 1
    message.refresh_from_db()
    assert message.by_sms


def test_officer_invitation_can_be_published(world):
    meeting = _meeting(world)
    message = meeting_invite(meeting=meeting, by=world.users["officer"], by_sms=True)
    assert world.users["officer"].has_perm("messaging.publish_message", message)


def test_invitation_refusals(world):
    officer = world.users["officer"]
    with pytest.raises(ValidationError):
        meeting_invite(meeting=_meeting(world, kind="steering"), by=officer)
    with pytest.raises(ValidationError):
        meeting_invite(meeting=_meeting(world, days=-1), by=officer)
    with pytest.raises(ValidationError):
        meeting_invite(meeting=_meeting(world), by=officer, by_email=False, by_sms=False)
    with pytest.raises(PermissionDenied):
        meeting_invite(meeting=_meeting(world), by=world.users["steering"])
    Network.objects.filter(pk=world.network.pk).update(status=Network.Status.PREPARING)
    with pytest.raises(ValidationError):
        meeting_invite(meeting=_meeting(world), by=officer)
    assert not Message.objects.exists()


def test_sent_invitation_is_not_written_again(world):
    meeting = _meeting(world)
    message = meeting_invite(meeting=meeting, by=world.users["officer"])
    Message.objects.filter(pk=message.pk).update(status=Message.Status.PUBLISHED)
    with pytest.raises(ValidationError):
        meeting_invite(meeting=meeting, by=world.users["officer"])


def test_published_invitation_carries_the_personal_link(world):
    from messaging.services.lifecycle import message_publish

    meeting = _meeting(world)
    message = meeting_invite(meeting=meeting, by=world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    sent = [m for m in mail.outbox if world.member.email in m.to]
    assert len(sent) == 1
    assert "/me/" in sent[0].body and "Parochiezaal" in sent[0].body


# --- RSVP ----------------------------------------------------------------------------------


def test_member_sees_meeting_and_answers_through_personal_link(client, world):
    meeting = _meeting(world)
    internal = _meeting(world, kind="steering")
    token = member_personal_token(member=world.member)
    home = client.get(reverse("personal:home", args=[token])).content.decode()
    assert "Parochiezaal, Kerkstraat 3" in home
    assert _rsvp_url(world.member, meeting, token) in home
    assert _rsvp_url(world.member, internal, token) not in home  # steering meetings are internal
    response = client.post(_rsvp_url(world.member, meeting), {"answer": "yes", "guests": "2"})
    assert response.status_code == 302
    assert response["Location"].endswith("#meetings")
    rsvp = MeetingRSVP.objects.get()
    assert (rsvp.member, rsvp.answer, rsvp.guests) == (world.member, "yes", 2)
    # Changing the answer updates the same row; "no" brings nobody along.
    client.post(_rsvp_url(world.member, meeting), {"answer": "no", "guests": "2"})
    rsvp = MeetingRSVP.objects.get()
    assert (rsvp.answer, rsvp.guests) == ("no", 0)
    assert response["Cache-Control"].count("no-store") == 1


def test_rsvp_page_by_get(client, world):
    meeting = _meeting(world)
    MeetingRSVP.objects.create(meeting=meeting, member=world.member, answer="maybe", guests=2)
    response = client.get(_rsvp_url(world.member, meeting))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert meeting.place in response.content.decode()
    # The member's earlier answer is filled in, ready to change.
    assert response.context["form"].initial == {"answer": "maybe", "guests": 2}


def test_rsvp_token_is_checked(client, world):
    meeting = _meeting(world)
    url = reverse("personal:meeting_rsvp", kwargs={"token": "forged", "pk": meeting.pk})
    response = client.post(url, {"answer": "yes", "guests": "0"})
    assert response.status_code == 404
    token = member_personal_token(member=world.member)
    # A revoked link (new token version) no longer works either.
    Member.objects.filter(pk=world.member.pk).update(token_version=world.member.token_version + 1)
    url = reverse("personal:meeting_rsvp", kwargs={"token": token, "pk": meeting.pk})
    assert client.post(url, {"answer": "yes", "guests": "0"}).status_code == 404
    assert not MeetingRSVP.objects.exists()


def test_member_of_another_network_cannot_answer(client, world):
    meeting = _meeting(world)
    response = client.post(_rsvp_url(world.other_member, meeting), {"answer": "yes", "guests": 0})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        meeting_rsvp(meeting=meeting, member=world.other_member, answer="yes")
    assert not MeetingRSVP.objects.exists()


def test_rsvp_only_for_active_members_and_open_meetings(client, world):
    meeting = _meeting(world)
    past = _meeting(world, days=-1)
    cancelled = _meeting(world, status="cancelled")
    for closed in (past, cancelled):
        response = client.post(_rsvp_url(world.member, closed), {"answer": "yes", "guests": 0})
        assert response.status_code == 302  # back to the page, with the reason
    assert not MeetingRSVP.objects.exists()
    suspended = MemberFactory(network=world.network, status=Member.Status.SUSPENDED)
    client.post(_rsvp_url(suspended, meeting), {"answer": "yes", "guests": 0})
    assert not MeetingRSVP.objects.exists()
    token = member_personal_token(member=suspended)
    assert (
        "meetings-heading"
        not in client.get(reverse("personal:home", args=[token])).content.decode()
    )


def test_rsvp_guests_are_bounded(client, world):
    meeting = _meeting(world)
    response = client.post(_rsvp_url(world.member, meeting), {"answer": "yes", "guests": "40"})
    assert response.status_code == 200
    assert "guests" in response.context["form"].errors
    with pytest.raises(ValidationError):
        meeting_rsvp(meeting=meeting, member=world.member, answer="yes", guests=10)
    assert not MeetingRSVP.objects.exists()


def test_counts_on_the_meeting_page(client, world):
    meeting = _meeting(world)
    others = [MemberFactory(network=world.network) for _ in range(3)]
    meeting_rsvp(meeting=meeting, member=world.member, answer="yes", guests=2)
    meeting_rsvp(meeting=meeting, member=others[0], answer="yes")
    meeting_rsvp(meeting=meeting, member=others[1], answer="maybe", guests=1)
    meeting_rsvp(meeting=meeting, member=others[2], answer="no")
    counts = meeting_rsvp_counts(meeting=meeting)
    assert counts == {
        "rsvp_yes": 2, "rsvp_no": 1, "rsvp_maybe": 1, "rsvp_guests": 2, "expected": 4,
    }  # fmt: skip
    client.force_login(world.users["municipal"])
    page = client.get(
        reverse(
            "charters:governance:meeting_detail",
            kwargs={"slug": world.network.slug, "pk": meeting.pk},
        )
    )
    assert page.context["counts"]["expected"] == 4
    body = page.content.decode()
    assert world.member.last_name not in body  # counts only, no names
    assert "Invite the members" not in body  # municipal staff only look


# --- After the meeting --------------------------------------------------------------------


def test_close_a_meeting(client, world):
    future = _meeting(world)
    with pytest.raises(ValidationError):
        meeting_close(meeting=future, by=world.users["coordinator"], status="held", attendance=3)
    held = _meeting(world, days=-2)
    client.force_login(world.users["coordinator"])
    url = reverse(
        "charters:governance:meeting_close", kwargs={"slug": world.network.slug, "pk": held.pk}
    )
    response = client.post(url, {"status": "held", "minutes": "Good evening"})
    assert "attendance" in response.context["form"].errors
    response = client.post(url, {"status": "held", "attendance": "31", "minutes": "Good evening"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.attendance, held.minutes) == ("held", 31, "Good evening")
    meeting_close(meeting=future, by=world.users["officer"], status="cancelled")
    future.refresh_from_db()
    assert future.status == "cancelled"
    with pytest.raises(ValidationError):
        meeting_close(meeting=future, by=world.users["officer"], status="held", attendance=1)
    with pytest.raises(PermissionDenied):
        meeting_close(meeting=held, by=world.users["steering"], status="held", attendance=1)


def test_meetings_list_separates_upcoming_and_past(client, world):
    soon, later = _meeting(world, days=3), _meeting(world, days=30)
    old = _meeting(world, days=-200, status="held", attendance=12)
    client.force_login(world.users["steering"])
    response = client.get(
        reverse("charters:governance:meetings", kwargs={"slug": world.network.slug})
    )
    assert response.context["upcoming"] == [soon, later]
    assert response.context["past"] == [old]
    assert not response.context["can_manage"]


# --- Yearly reminder -----------------------------------------------------------------------


@pytest.fixture
def old_network(world):
    Network.objects.filter(pk=world.network.pk).update(founded_on=date(2014, 5, 1))
    Network.objects.filter(pk=world.other_network.pk).update(
        founded_on=timezone.localdate() - timedelta(days=100)  # too young to be reminded
    )
    world.network.refresh_from_db()
    return world.network


def test_reminder_goes_to_coordinators_once_a_month(world, old_network):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert meeting_reminders_send() == [old_network.pk]
    notes = Notification.objects.filter(kind="meeting_reminder")
    assert sorted(notes.values_list("to", flat=True)) == sorted(
        [world.users["coordinator"].email, world.users["co_coordinator"].email]
    )
    assert (
        reverse("charters:governance:meeting_new", kwargs={"slug": old_network.slug})
        in notes[0].body
    )
    assert {m.to[0] for m in mail.outbox} == set(notes.values_list("to", flat=True))
    assert MeetingReminder.objects.filter(network=old_network).count() == 1
    # Again the next day: nothing, the last reminder is less than 30 days old.
    assert meeting_reminders_send(now=timezone.now() + timedelta(days=1)) == []
    assert meeting_reminders_send(now=timezone.now() + timedelta(days=31)) == [old_network.pk]


def test_no_reminder_after_a_recent_or_planned_meeting(world, old_network):
    held = _meeting(world, days=-200, status="held", attendance=20)
    assert not meeting_overdue(network=old_network)
    assert meeting_reminders_send() == []
    held.starts_at = timezone.now() - timedelta(days=400)
    held.save()
    assert meeting_overdue(network=old_network)
    planned = _meeting(world, days=14)
    assert meeting_reminders_send() == []
    planned.delete()
    # An information evening or a steering meeting is no member meeting.
    _meeting(world, days=-20, kind="info_evening", status="held", attendance=60)
    assert meeting_reminders_send() == [old_network.pk]


def test_no_reminder_for_networks_not_active(world, old_network):
    Network.objects.filter(pk=old_network.pk).update(status=Network.Status.SUSPENDED)
    meeting_reminders_task()
    assert not MeetingReminder.objects.exists()


def test_reminder_task_is_scheduled_daily():
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["meeting-reminders"]
    assert entry["task"] == "charters.tasks.meeting_reminders_task"
    assert entry["schedule"] == crontab(hour=9, minute=0)


def test_network_page_warns_when_overdue(client, world, old_network):
    client.force_login(world.users["coordinator"])
    pages = [
        reverse(name, kwargs={"slug": old_network.slug})
        for name in (
            "networks:detail",
            "charters:governance:meetings",
            "charters:governance:overview",
        )
    ]
    for url in pages:
        assert "No member meeting was held" in client.get(url).content.decode(), url
    _meeting(world, days=-30, status="held", attendance=10)
    for url in pages:
        assert "No member meeting was held" not in client.get(url).content.decode(), url
