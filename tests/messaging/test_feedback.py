"""The feedback loop: "write feedback" from an alert opens the compose form
filled in, the feedback list names alerts by date, time and first words, and
an alert still without feedback a day later reminds its officers once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from messaging.selectors import policy
from messaging.selectors.feedback import alert_label, alerts_due_feedback_reminder
from messaging.services.feedback import feedback_reminders_send
from messaging.tasks import feedback_reminders_task
from networks.models import Role, Street
from outbox.models import Notification
from tests.factories import MessageFactory, user_with_role

PUBLISHED = datetime(2026, 3, 12, 1, 14, tzinfo=UTC)  # 02:14 in Brussels
ALERT_NL = "Verdachte wagen in de Kerkstraat, gele VW Polo. Doe het licht aan."


def _alert(world, **fields) -> Message:
    values = {
        "kind": Message.Kind.URGENT,
        "status": Message.Status.PUBLISHED,
        "published_at": PUBLISHED,
        "texts": {
            "nl": {"sms": ALERT_NL, "subject": "Verdachte wagen", "body": ""},
            "fr": {"sms": "Voiture suspecte rue de l'Église.", "subject": "", "body": ""},
        },
        "streets": ["Kerkstraat"],
        "created_by": world.users["officer"],
        "approved_by": world.users["officer"],
        "networks": [world.network],
    }
    values.update(fields)
    return MessageFactory(**values)


@pytest.fixture
def frozen(monkeypatch):
    """A settable clock for ``timezone.now`` (the beat task reads the time itself)."""

    class Clock:
        now = PUBLISHED

        def set(self, moment):
            self.now = moment

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


# --- write feedback -----------------------------------------------------------


def test_alert_label_names_date_time_and_first_words(world):
    alert = _alert(world)
    assert alert_label(message=alert) == "12/03 02:14 — Verdachte wagen in de Kerkstraat, gele…"


def test_write_feedback_opens_the_compose_form_filled_in(client, world):
    Street.objects.create(network=world.network, name="Kerkstraat")
    alert = _alert(world)
    client.force_login(world.users["officer"])
    page = client.get(reverse("messaging:detail", args=[alert.pk])).content.decode()
    link = f"{reverse('messaging:new')}?follows={alert.pk}"
    assert f'href="{link}"' in page and "Write feedback" in page

    response = client.get(link)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["kind"] == "feedback"
    assert form.initial["networks"] == [world.network]
    assert form.initial["streets"] == "Kerkstraat"
    assert form.initial["follows"] == alert
    # The alert's channels (SMS and email, no voice call).
    assert [form.initial[f"by_{c}"] for c in ("sms", "email", "voice")] == [True, True, False]
    # The alert's languages: a subject to start from in each, so the form asks
    # for the feedback text in Dutch and French.
    assert form.initial["subject_nl"] == "Feedback: Verdachte wagen"
    assert form.initial["subject_fr"].endswith("Voiture suspecte rue de l'Église.")
    assert "subject_de" not in form.initial
    html = response.content.decode()
    assert ALERT_NL in html  # the alert is quoted above the form
    assert f'<option value="{alert.pk}" selected>12/03 02:14 — Verdachte wagen' in html

    posted = client.post(
        link,
        {
            "kind": "feedback",
            "networks": [world.network.pk],
            "streets": "Kerkstraat",
            "follows": alert.pk,
            "by_email": "on",
            "sms_nl": "De wagen werd teruggevonden, de verdachten zijn gekend.",
            "subject_nl": form.initial["subject_nl"],
            "sms_fr": "La voiture a été retrouvée.",
            "subject_fr": form.initial["subject_fr"],
        },
    )
    assert posted.status_code == 302, posted.context["form"].errors
    feedback = Message.objects.get(kind="feedback")
    assert feedback.follows == alert and feedback.streets == ["Kerkstraat"]
    assert set(feedback.texts) == {"nl", "fr"}
    detail = client.get(posted["Location"]).content.decode()
    assert "12/03 02:14 — Verdachte wagen" in detail  # "feedback on" names the alert


def test_the_feedback_list_names_alerts_not_numbers(client, world):
    alert = _alert(world)
    client.force_login(world.users["officer"])
    html = client.get(reverse("messaging:new")).content.decode()
    assert "12/03 02:14 — Verdachte wagen in de Kerkstraat, gele…" in html
    assert f"#{alert.pk}" not in html


def test_an_old_alert_stays_offered_when_feedback_starts_from_it(client, world):
    old = _alert(world, published_at=PUBLISHED - timedelta(days=300))
    for day in range(50):
        _alert(world, published_at=PUBLISHED + timedelta(days=day))
    client.force_login(world.users["officer"])
    choices = client.get(reverse("messaging:new")).context["form"].fields["follows"].queryset
    assert old not in choices and choices.count() == 50
    form = client.get(f"{reverse('messaging:new')}?follows={old.pk}").context["form"]
    assert old in form.fields["follows"].queryset


WRITES_FEEDBACK = {"officer", "admin"}


ROLES = ("anonymous", "member", "coordinator", "co_coordinator", "steering")
ROLES += ("coordinator_other", "officer", "officer_other", "municipal", "federal", "admin")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_write_feedback(client, world, role):
    alert = _alert(world)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.get(f"{reverse('messaging:new')}?follows={alert.pk}")
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code == (200 if role in WRITES_FEEDBACK else 403)
        page = client.get(reverse("messaging:detail", args=[alert.pk]))
        if page.status_code == 200:
            assert ("Write feedback" in page.content.decode()) == (role in WRITES_FEEDBACK)


def test_coordinators_write_feedback_when_their_plan_allows_it(client, world, monkeypatch):
    alert = _alert(world)
    client.force_login(world.users["coordinator"])
    url = f"{reverse('messaging:new')}?follows={alert.pk}"
    assert client.get(url).status_code == 403  # the default plan: tips and information only
    allowed = policy.CommunicationPolicy(coordinator_kinds=("feedback", "prevention", "info"))
    monkeypatch.setattr(policy, "communication_policy", lambda *, network: allowed)
    assert client.get(url).status_code == 200


def test_an_alert_to_a_network_the_officer_does_not_serve_gets_no_feedback_from_them(client, world):
    both = _alert(world, networks=[world.network, world.other_network])
    client.force_login(world.users["officer"])
    assert client.get(f"{reverse('messaging:new')}?follows={both.pk}").status_code == 403


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Message.Status.DRAFT, "published_at": None},
        {"status": Message.Status.CANCELLED},
        {"kind": Message.Kind.PREVENTION},
        {"is_exercise": True},
    ],
    ids=["draft", "cancelled", "not an alert", "exercise"],
)
def test_feedback_follows_published_alerts_only(client, world, fields):
    message = _alert(world, **fields)
    client.force_login(world.users["officer"])
    assert client.get(f"{reverse('messaging:new')}?follows={message.pk}").status_code == 403
    assert client.get(f"{reverse('messaging:new')}?follows=x{message.pk}").status_code == 403


def test_no_feedback_on_a_cancel_notice(client, world):
    alert = _alert(world)
    notice = _alert(world, cancels=alert)
    client.force_login(world.users["officer"])
    assert client.get(f"{reverse('messaging:new')}?follows={notice.pk}").status_code == 403
    page = client.get(reverse("messaging:detail", args=[notice.pk]))
    assert not page.context["can_write_feedback"]


# --- the reminder -------------------------------------------------------------


def _reminders():
    return Notification.objects.filter(kind="feedback_reminder")


def test_the_reminder_goes_once_a_day_after_the_alert(
    world, frozen, django_capture_on_commit_callbacks
):
    second_officer = user_with_role(Role.OFFICER, scope=world.zone)
    alert = _alert(world)
    frozen.set(PUBLISHED + timedelta(hours=23, minutes=59))
    feedback_reminders_task()
    assert not _reminders().exists()

    frozen.set(PUBLISHED + timedelta(hours=24, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        feedback_reminders_task()
    sent = _reminders()
    assert sorted(n.to for n in sent) == sorted(
        [world.users["officer"].email, second_officer.email]
    )  # the publisher and the zone's officers, each once; not the other zone's
    alert.refresh_from_db()
    assert alert.feedback_reminded_at == frozen.now
    notice = sent.first()
    assert notice.channel == "email"
    assert "12/03 02:14 — Verdachte wagen" in notice.subject
    link = f"{settings.PUBLIC_BASE_URL}{reverse('messaging:new')}?follows={alert.pk}"
    assert link in notice.body
    assert ALERT_NL in notice.body

    frozen.set(PUBLISHED + timedelta(hours=30))
    feedback_reminders_task()
    frozen.set(PUBLISHED + timedelta(days=3))
    assert feedback_reminders_send() == []
    assert _reminders().count() == 2


def test_the_publisher_from_another_zone_is_reminded_too(world, frozen):
    # An admin published it: they and the zone's officer get the reminder.
    alert = _alert(world, approved_by=world.users["admin"])
    frozen.set(PUBLISHED + timedelta(hours=25))
    assert feedback_reminders_send() == [alert.pk]
    assert {n.to for n in _reminders()} == {
        world.users["admin"].email,
        world.users["officer"].email,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"is_exercise": True},
        {"status": Message.Status.CANCELLED},
        {"kind": Message.Kind.PREVENTION},
        {"published_at": PUBLISHED - timedelta(days=8)},
    ],
    ids=["exercise", "cancelled", "not an alert", "older than a week"],
)
def test_no_reminder_for_exercises_cancelled_alerts_and_others(world, frozen, fields):
    _alert(world, **fields)
    frozen.set(PUBLISHED + timedelta(hours=25))
    assert feedback_reminders_send() == []
    assert not _reminders().exists()


@pytest.mark.parametrize("status", [Message.Status.PUBLISHED, Message.Status.PENDING_APPROVAL])
def test_no_reminder_when_feedback_follows_the_alert(world, frozen, status):
    alert = _alert(world)
    MessageFactory(
        kind=Message.Kind.FEEDBACK, status=status, follows=alert, networks=[world.network],
        created_by=world.users["officer"],
    )  # fmt: skip
    frozen.set(PUBLISHED + timedelta(hours=25))
    assert feedback_reminders_send() == []
    assert not _reminders().exists()


def test_a_draft_of_feedback_does_not_stop_the_reminder(world, frozen):
    alert = _alert(world)
    MessageFactory(kind=Message.Kind.FEEDBACK, follows=alert, networks=[world.network])
    frozen.set(PUBLISHED + timedelta(hours=25))
    assert feedback_reminders_send() == [alert.pk]


def test_an_update_of_an_alert_is_not_reminded_about_apart(world, frozen):
    original = _alert(world)
    _alert(world, update_of=original)
    frozen.set(PUBLISHED + timedelta(hours=25))
    assert list(alerts_due_feedback_reminder()) == [original]


def test_the_reminder_runs_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["feedback-reminders"]
    assert entry["task"] == "messaging.tasks.feedback_reminders_task"
    assert entry["schedule"] <= 3600


def test_the_dashboard_offers_to_write_feedback_on_unanswered_alerts(client, world):
    alert = _alert(world, published_at=timezone.now() - timedelta(hours=25))
    link = f"{reverse('messaging:new')}?follows={alert.pk}"
    client.force_login(world.users["officer"])
    assert link in client.get(reverse("accounts:home")).content.decode()
    client.force_login(world.users["officer_other"])
    assert link not in client.get(reverse("accounts:home")).content.decode()
