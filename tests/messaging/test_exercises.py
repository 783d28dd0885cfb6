"""Exercise mode: a test to oneself and exercises to chosen members, marked
TEST on every channel and in CAP, never counted in the reports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from members.tokens import member_personal_token
from messaging.models import Delivery, Message
from messaging.selectors.cap import message_cap_xml
from messaging.selectors.messages import alerts_without_feedback
from messaging.services.exercises import (
    EXERCISE_MAX_MEMBERS,
    SELF_TEST_KIND,
    SELF_TESTS_PER_HOUR,
    message_exercise_send,
    message_self_test_send,
)
from messaging.services.lifecycle import message_publish, message_update_draft
from outbox.gateways import locmem
from outbox.gateways.base import OutgoingCall, OutgoingSMS
from outbox.models import Notification
from reports.selectors.messages import (
    delivery_by_channel,
    delivery_speed,
    messages_by_network,
    messages_per_kind_month,
)
from reports.selectors.period import Period
from tests.factories import MemberFactory, MessageFactory

TEXTS = {
    "nl": {"sms": "Inbrekers actief", "subject": "Dringend", "body": "Doe het licht aan."},
    "fr": {"sms": "Cambrioleurs actifs", "subject": "Urgent", "body": "Allumez."},
}


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def _draft(world, *, author="officer", networks=None, **extra):
    fields = {"texts": TEXTS, "by_sms": True, "by_email": True, "by_voice": False}
    fields.update(extra)
    return MessageFactory(
        kind="urgent", created_by=world.users[author], networks=networks or [world.network],
        **fields,
    )  # fmt: skip


# --- a test to oneself ------------------------------------------------------


def test_self_test_goes_to_the_users_own_email_and_mobile_marked_test(world):
    officer = world.users["officer"]
    officer.mobile_phone, officer.preferred_language = "+32470999888", "fr"
    officer.save()
    draft = _draft(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        channels = message_self_test_send(message=draft, user=officer)
    assert channels == ["email", "sms"]
    # In the user's language, marked TEST on each channel.
    [email] = mail.outbox
    assert email.to == [officer.email] and email.subject == "[TEST] Urgent"
    assert "Allumez." in email.body
    [sms] = locmem.outbox
    assert sms.to == "+32470999888" and sms.body.startswith("TEST Cambrioleurs actifs")
    # Nothing of the message itself: no delivery, the draft stays a draft.
    assert not Delivery.objects.exists()
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT and draft.published_at is None
    assert Notification.objects.filter(kind=SELF_TEST_KIND).count() == 2


def test_self_test_falls_back_to_the_drafts_first_language_and_email_only(world):
    officer = world.users["officer"]
    officer.preferred_language, officer.mobile_phone = "de", ""
    officer.save()
    draft = _draft(world, texts={"nl": TEXTS["nl"]})
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert message_self_test_send(message=draft, user=officer) == ["email"]
    assert mail.outbox[0].subject == "[TEST] Dringend"
    assert not locmem.outbox


def test_self_tests_are_limited_per_draft_and_hour(world):
    officer = world.users["officer"]
    draft = _draft(world)
    for _i in range(SELF_TESTS_PER_HOUR):
        message_self_test_send(message=draft, user=officer)
    with pytest.raises(ValidationError, match="5 times in the last hour"):
        message_self_test_send(message=draft, user=officer)
    # An hour later it may be tested again; another draft is not affected.
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
    message_self_test_send(message=draft, user=officer)
    message_self_test_send(message=_draft(world), user=officer)


def test_a_published_message_is_not_tested(world):
    message = _draft(world, status=Message.Status.PUBLISHED, published_at=timezone.now())
    with pytest.raises(ValidationError):
        message_self_test_send(message=message, user=world.users["officer"])


def test_self_test_view_for_the_writer_and_those_who_may_edit(client, world):
    draft = _draft(world)
    client.force_login(world.users["officer"])
    url = reverse("messaging:self_test", args=[draft.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("messaging:detail", args=[draft.pk])
    assert "on its way to your email" in response.content.decode()
    for _i in range(SELF_TESTS_PER_HOUR):
        response = client.post(url, follow=True)
    assert "try again later" in response.content.decode()


SELF_TEST_ALLOWED = {"admin", "officer"}


@pytest.mark.parametrize(
    "role",
    ["anonymous", "member", "coordinator", "co_coordinator", "steering", "coordinator_other",
     "officer", "officer_other", "municipal", "federal", "admin"],
)  # fmt: skip
def test_self_test_role_matrix(client, world, role):
    """POST only, so not in tests/test_role_matrix.py: the same roles as editing."""
    draft = _draft(world)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("messaging:self_test", args=[draft.pk]))
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif role in SELF_TEST_ALLOWED:
        assert response.status_code == 302
        assert Notification.objects.filter(kind=SELF_TEST_KIND).exists()
    else:
        assert response.status_code == 403
        assert not Notification.objects.filter(kind=SELF_TEST_KIND).exists()


def test_coordinator_tests_their_own_draft(client, world):
    draft = _draft(world, author="coordinator", by_email=True, by_sms=False)
    client.force_login(world.users["coordinator"])
    page = client.get(reverse("messaging:detail", args=[draft.pk]))
    assert reverse("messaging:self_test", args=[draft.pk]) in page.content.decode()
    assert client.post(reverse("messaging:self_test", args=[draft.pk])).status_code == 302
    assert Notification.objects.get(channel="email").to == world.users["coordinator"].email


# --- exercises to chosen members --------------------------------------------


def _send(world, draft, members, user="officer"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return message_exercise_send(message=draft, members=members, sent_by=world.users[user])


def test_exercise_reaches_only_the_chosen_members_marked_test_on_every_channel(world):
    chosen_nl = MemberFactory(network=world.network, by_voice=True, landline="+3253000001")
    chosen_fr = MemberFactory(network=world.network, language="fr")
    MemberFactory(network=world.network)  # not chosen
    draft = _draft(world, by_voice=True)
    exercise = _send(world, draft, [chosen_nl, chosen_fr])
    assert exercise.is_exercise and exercise.exercise_of == draft
    assert exercise.status == Message.Status.PUBLISHED
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT and draft.exercises.get() == exercise
    assert {d.member_id for d in exercise.deliveries.all()} == {chosen_nl.pk, chosen_fr.pk}
    smses = [m for m in locmem.outbox if isinstance(m, OutgoingSMS)]
    by_number = {s.to: s.body for s in smses}
    assert by_number[str(chosen_fr.mobile_phone)].startswith("TEST Cambrioleurs actifs ")
    assert by_number[str(chosen_nl.mobile_phone)].startswith("TEST Inbrekers actief ")
    assert len(smses) == 2
    [call] = [m for m in locmem.outbox if isinstance(m, OutgoingCall)]
    with translation.override("nl"):
        spoken = _("This is a test.")
    assert call.text == f"{spoken} Inbrekers actief {spoken}" and call.language == "nl"
    assert sorted(e.subject for e in mail.outbox) == ["[TEST] Dringend", "[TEST] Urgent"]
    assert all(e.body.startswith("TEST") for e in mail.outbox)
    # CAP: status Test.
    cap = message_cap_xml(message=exercise).decode()
    assert "<status>Test</status>" in cap and "<note>EXERCISE</note>" in cap


def test_a_real_message_is_not_marked(world):
    member = MemberFactory(network=world.network)
    message = _draft(world, texts={"nl": TEXTS["nl"]})
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=message, published_by=world.users["officer"])
    [sms] = [s for s in locmem.outbox if s.to == str(member.mobile_phone)]
    assert sms.body.startswith("Inbrekers actief")
    assert not any(e.subject.startswith("[TEST]") for e in mail.outbox)


def test_exercise_marks_cost_no_query_per_delivery(world, django_assert_max_num_queries):
    from messaging.services.sending import delivery_send_chunk

    members = [MemberFactory(network=world.network) for _i in range(6)]
    draft = _draft(world, by_email=False)
    exercise = message_exercise_send(message=draft, members=members, sent_by=world.users["officer"])
    from messaging.services.fanout import message_fanout

    message_fanout(message_id=exercise.pk)
    ids = list(exercise.deliveries.values_list("pk", flat=True))
    few = [MemberFactory(network=world.network)]
    draft2 = _draft(world, by_email=False)
    exercise2 = message_exercise_send(message=draft2, members=few, sent_by=world.users["officer"])
    message_fanout(message_id=exercise2.pk)
    one = list(exercise2.deliveries.values_list("pk", flat=True))
    # The same number of queries for one delivery as for six: marking reads nothing.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as single:
        delivery_send_chunk(delivery_ids=one)
    with CaptureQueriesContext(connection) as six:
        delivery_send_chunk(delivery_ids=ids)
    assert len(six) == len(single)
    assert all(s.body.startswith("TEST ") for s in locmem.outbox)


def test_exercise_refuses_members_outside_the_draft_and_too_many(world):
    draft = _draft(world)
    with pytest.raises(ValidationError) as err:
        _send(world, draft, [world.other_member])
    assert "members" in err.value.message_dict
    with pytest.raises(ValidationError):
        _send(world, draft, [])
    left = MemberFactory(network=world.network, status=Member.Status.SUSPENDED)
    with pytest.raises(ValidationError):
        _send(world, draft, [left])
    many = MemberFactory.create_batch(EXERCISE_MAX_MEMBERS + 1, network=world.network)
    with pytest.raises(ValidationError, match="at most"):
        _send(world, draft, many)
    assert not Message.objects.filter(is_exercise=True).exists()


def test_an_update_of_an_exercise_stays_an_exercise(world):
    member = MemberFactory(network=world.network)
    exercise = _send(world, _draft(world), [member])
    update = message_update_draft(original=exercise, created_by=world.users["officer"])
    assert update.is_exercise and update.exercise_of == exercise.exercise_of


def test_exercise_view_officer_chooses_members_and_sends(client, world):
    chosen = MemberFactory(network=world.network, first_name="Anna", last_name="Xylofoonmakers")
    MemberFactory(network=world.network, first_name="Bert", last_name="Claes")
    draft = _draft(world)
    client.force_login(world.users["officer"])
    url = reverse("messaging:exercise", args=[draft.pk])
    page = client.get(url, {"q": "xylofoon"})
    assert [m.pk for m in page.context["shown"]] == [chosen.pk]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"members": [chosen.pk]})
    exercise = Message.objects.get(is_exercise=True)
    assert response["Location"] == reverse("messaging:detail", args=[exercise.pk])
    assert set(exercise.deliveries.values_list("member_id", flat=True)) == {chosen.pk}
    detail = client.get(response["Location"]).content.decode()
    assert "An exercise: sent only to the chosen members" in detail
    assert exercise.pk in [
        e.pk for e in client.get(reverse("messaging:detail", args=[draft.pk])).context["exercises"]
    ]


def test_exercise_view_errors_sit_next_to_the_field(client, world):
    draft = _draft(world)
    client.force_login(world.users["officer"])
    url = reverse("messaging:exercise", args=[draft.pk])
    form = client.post(url, {}).context["form"]
    assert form.errors["members"] == ["Choose at least one member."]
    form = client.post(url, {"members": [world.other_member.pk]}).context["form"]
    assert form.errors["members"] == ["Choose members from the list."]
    assert not Message.objects.filter(is_exercise=True).exists()


def test_coordinator_offers_only_their_own_networks_members(client, world):
    own = MemberFactory(network=world.network)
    draft = _draft(world, author="coordinator")
    client.force_login(world.users["coordinator"])
    page = client.get(reverse("messaging:exercise", args=[draft.pk]))
    assert page.status_code == 200
    shown = {m.pk for m in page.context["shown"]}
    assert own.pk in shown and world.member.pk in shown
    assert world.other_member.pk not in shown
    # Another network's coordinator may not even open an officer's draft here.
    client.force_login(world.users["coordinator_other"])
    assert client.get(reverse("messaging:exercise", args=[draft.pk])).status_code == 403


def test_a_published_message_is_not_rehearsed_again(client, world):
    message = _draft(world, status=Message.Status.PUBLISHED, published_at=timezone.now())
    client.force_login(world.users["officer"])
    response = client.get(reverse("messaging:exercise", args=[message.pk]))
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        _send(world, message, [world.member])


# --- not counted, shown as TEST ---------------------------------------------


def _published(world, *, kind="urgent", exercise=False, hours_ago=30, follows=None):
    message = MessageFactory(
        kind=kind, status=Message.Status.PUBLISHED, created_by=world.users["officer"],
        published_at=timezone.now() - timedelta(hours=hours_ago), networks=[world.network],
        is_exercise=exercise, follows=follows,
    )  # fmt: skip
    Delivery.objects.create(
        message=message, member=world.member, channel="sms", to=str(world.member.mobile_phone),
        language="nl", status="delivered", sent_at=message.published_at,
        delivered_at=message.published_at + timedelta(seconds=10),
    )  # fmt: skip
    return message


def test_exercises_are_not_counted_in_the_reports(world):
    real = _published(world)
    exercise = _published(world, exercise=True)
    period = Period(start=date.today() - timedelta(days=40), end=date.today())
    series = messages_per_kind_month(network_ids=None, period=period)
    assert sum(p["urgent"] for p in series) == 1
    by_network = messages_by_network(network_ids=[world.network.pk], period=period)
    assert by_network[world.network.pk] == {"messages": 1, "urgent": 1}
    sms = next(
        r for r in delivery_by_channel(network_ids=None, period=period) if r["channel"] == "sms"
    )
    assert sms["total"] == 1
    urgent = next(
        r for r in delivery_speed(network_ids=None, period=period) if r["kind"] == "urgent"
    )
    assert urgent["messages"] == 1
    # An exercise alert waits for no feedback; exercise feedback answers no alert.
    networks = type(world.network).objects.filter(pk=world.network.pk)
    assert list(alerts_without_feedback(networks=networks)) == [real]
    _published(world, kind="feedback", exercise=True, hours_ago=1, follows=real)
    assert list(alerts_without_feedback(networks=networks)) == [real]
    assert exercise.pk not in [m.pk for m in alerts_without_feedback(networks=networks)]


def test_personal_page_and_network_list_show_exercises_marked_test(client, world):
    exercise = _published(world, exercise=True, hours_ago=1)
    page = client.get(
        reverse("personal:home", args=[member_personal_token(member=world.member)])
    ).content.decode()
    with translation.override(world.member.language):
        note = _("An exercise of your network: nothing happened and you need not do anything.")
    assert note in page and ">TEST<" in page
    client.force_login(world.users["officer"])
    listing = client.get(reverse("messaging:network", args=[world.network.slug]))
    assert exercise in listing.context["messages_list"]
    assert ">TEST<" in listing.content.decode()
