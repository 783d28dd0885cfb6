"""A member's personal page: preferences, data download, new link, leaving."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import models
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from members.models import AuditEntry, ConsentRecord, Member, Verification
from members.services.personal import member_preferences_update
from members.tokens import member_from_token, member_personal_token
from outbox.gateways import locmem
from outbox.models import Notification
from outbox.selectors import notifications_about
from tests.factories import MemberFactory

INVALID_TEMPLATE = "personal/invalid_link.html"


@pytest.fixture
def member(world) -> Member:
    member = MemberFactory(
        network=world.network,
        first_name="Griet",
        last_name="Vanderstraeten",
        email="griet.vds@example.org",
        mobile_phone="+32470123456",
        landline="+3253801234",
        business_name="Bakkerij Griet",
        birth_date=date(1970, 5, 17),
        language="en",
        by_sms=True,
        by_email=True,
        by_voice=False,
        approved_at=timezone.now(),
    )
    ConsentRecord.objects.create(
        member=member, subject="house_rules", version="2024-1", given_at=timezone.now(),
        method=ConsentRecord.Method.PAPER,
    )  # fmt: skip
    ConsentRecord.objects.create(
        member=member, subject="sms", version="1", given_at=timezone.now() - timedelta(days=3),
        method=ConsentRecord.Method.WEB_FORM,
    )  # fmt: skip
    return member


def _url(name: str, member: Member) -> str:
    return reverse(f"personal:{name}", args=[member_personal_token(member=member)])


def _is_page(name: str, location: str, member: Member) -> bool:
    from django.urls import resolve

    from members.tokens import member_from_token

    match = resolve(location)
    return (
        match.view_name == f"personal:{name}"
        and member_from_token(token=match.kwargs["token"]) == member
    )


def _form_data(member: Member, **changes) -> dict:
    data = {
        "language": member.language,
        "by_sms": "on" if member.by_sms else "",
        "by_email": "on" if member.by_email else "",
        "by_voice": "on" if member.by_voice else "",
        "quiet_hours_start": "",
        "quiet_hours_end": "",
        "paused_until": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _assert_invalid_link(response) -> None:
    assert response.status_code == 404
    assert INVALID_TEMPLATE in [t.name for t in response.templates]
    assert "coordinator" in response.content.decode()


# --- the page -------------------------------------------------------------------


def test_home_shows_the_members_data_privately(client, member):
    response = client.get(_url("home", member))
    assert response.status_code == 200
    body = response.content.decode()
    for value in (
        "Griet Vanderstraeten",
        "griet.vds@example.org",
        "+32 470 12 34 56",
        "+32 53 80 12 34",
        "Kerkstraat",
        "Bakkerij Griet",
        "House rules",
        "2024-1",
        "Messages by SMS",
    ):
        assert value in body, value
    # The network's emergency numbers, and the promise about urgent alerts.
    assert 'href="tel:112"' in body and 'href="tel:101"' in body
    assert "Urgent alerts always come through" in body
    assert "ask your coordinator" in body
    # The URL is a secret: no Referer, no cache, no search engine.
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex' in body
    assert "noindex" in response["X-Robots-Tag"]


def test_home_is_in_the_members_language(client, member):
    member.language = "nl"
    member.save()
    response = client.get(_url("home", member))
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"


# --- preferences ----------------------------------------------------------------


def test_preferences_save_and_record_consents(client, member):
    pause = timezone.localdate() + timedelta(days=10)
    data = _form_data(
        member,
        language="fr",
        by_sms="",
        by_voice="on",
        quiet_hours_start="22:00",
        quiet_hours_end="07:00",
        paused_until=pause.isoformat(),
    )
    response = client.post(_url("home", member), data)
    assert response.status_code == 302
    # The fresh link carries its own signing time: compare whose page it is.
    assert _is_page("home", response["Location"], member)

    member.refresh_from_db()
    assert member.language == "fr"
    assert (member.by_sms, member.by_email, member.by_voice) == (False, True, True)
    assert member.quiet_hours_start == time(22, 0)  # wraps past midnight
    assert member.quiet_hours_end == time(7, 0)
    assert member.paused_until == pause

    voice = ConsentRecord.objects.get(member=member, subject="voice")
    assert voice.method == ConsentRecord.Method.PERSONAL_PAGE
    assert voice.version == "1"
    assert voice.withdrawn_at is None
    sms = ConsentRecord.objects.get(member=member, subject="sms")
    assert sms.withdrawn_at is not None  # switched off: the consent is withdrawn
    assert ConsentRecord.objects.get(member=member, subject="house_rules").withdrawn_at is None
    entry = AuditEntry.objects.get(member_id_ref=member.pk, action="change_member")
    assert entry.actor is None and "by_sms" in entry.detail["fields"]

    # Switching SMS back on records a fresh consent; the withdrawn one stays as proof.
    response = client.post(_url("home", member), _form_data(member, by_sms="on"))
    assert response.status_code == 302
    sms_records = ConsentRecord.objects.filter(member=member, subject="sms")
    assert sms_records.count() == 2
    assert sms_records.filter(withdrawn_at__isnull=True, method="self_service").count() == 1


def test_quiet_hours_and_pause_can_be_cleared(client, member):
    member.quiet_hours_start, member.quiet_hours_end = time(22), time(7)
    member.paused_until = timezone.localdate()
    member.save()
    response = client.post(_url("home", member), _form_data(member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.quiet_hours_start is None and member.quiet_hours_end is None
    assert member.paused_until is None


@pytest.mark.parametrize("days", [0, 365])
def test_pause_limits_are_inclusive(client, member, days):
    until = timezone.localdate() + timedelta(days=days)
    response = client.post(_url("home", member), _form_data(member, paused_until=until.isoformat()))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.paused_until == until


def _today_plus(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("member_changes", "form_changes", "field"),
    [
        ({}, {"language": "xx"}, "language"),
        ({"mobile_phone": "", "landline": ""}, {"by_sms": "on"}, "by_sms"),
        ({"mobile_phone": "", "landline": ""}, {"by_sms": "", "by_voice": "on"}, "by_voice"),
        ({"email": "", "by_email": False}, {"by_email": "on"}, "by_email"),
        ({}, {"by_sms": "", "by_email": "", "by_voice": ""}, "by_sms"),
        ({}, {"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({}, {"quiet_hours_end": "07:00"}, "quiet_hours_start"),
        ({}, {"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "quiet_hours_end"),
        ({}, {"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"}, "quiet_hours_start"),
        ({}, {"paused_until": "__yesterday__"}, "paused_until"),
        ({}, {"paused_until": "__too_far__"}, "paused_until"),
        ({}, {"paused_until": "not a date"}, "paused_until"),
    ],
)
def test_preferences_errors_show_on_their_field_and_nothing_is_saved(
    client, member, member_changes, form_changes, field
):
    for name, value in member_changes.items():
        setattr(member, name, value)
    member.save()
    form_changes = dict(form_changes)
    if form_changes.get("paused_until") == "__yesterday__":
        form_changes["paused_until"] = _today_plus(-1)
    elif form_changes.get("paused_until") == "__too_far__":
        form_changes["paused_until"] = _today_plus(366)
    # Every other value changes too, so a partial save would show.
    data = _form_data(member, **{"language": "de", **form_changes})
    before = Member.objects.filter(pk=member.pk).values().get()
    consents_before = ConsentRecord.objects.count()

    response = client.post(_url("home", member), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert not form.non_field_errors()
    assert Member.objects.filter(pk=member.pk).values().get() == before
    assert ConsentRecord.objects.count() == consents_before
    assert not AuditEntry.objects.filter(member_id_ref=member.pk).exists()


def test_preferences_service_reports_every_error_by_field(member):
    member.email = ""
    member.save()
    with pytest.raises(ValidationError) as exc:
        member_preferences_update(
            member=member,
            language="xx",
            by_sms=False,
            by_email=True,
            by_voice=False,
            quiet_hours_start=time(8),
            quiet_hours_end=None,
            paused_until=timezone.localdate() - timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {
        "language",
        "by_email",
        "quiet_hours_end",
        "paused_until",
    }


# --- data download --------------------------------------------------------------


def test_data_download_holds_the_members_data_and_nothing_of_others(client, world, member):
    other = MemberFactory(
        network=world.network, last_name="Desmet", email="desmet@example.org",
        mobile_phone="+32479999999",
    )  # fmt: skip
    ConsentRecord.objects.create(
        member=other, subject="privacy_notice", version="other-v9", given_at=timezone.now(),
        method=ConsentRecord.Method.PAPER,
    )  # fmt: skip
    Notification.objects.create(
        kind="welcome", channel="email", to=member.email, subject="Welcome", body="Dear Griet",
        about=member, status=Notification.Status.SENT, sent_at=timezone.now(),
    )  # fmt: skip
    Notification.objects.create(
        kind="other_kind", channel="email", to=other.email, subject="x", body="Dear Desmet",
        about=other,
    )  # fmt: skip
    Verification.objects.create(
        member=member, channel="email", secret_hash="f" * 64,
        expires_at=timezone.now() + timedelta(days=1), verified_at=timezone.now(),
    )  # fmt: skip
    coordinator = world.users["coordinator"]
    AuditEntry.objects.create(
        actor=coordinator, action="view_member", network=world.network, member_id_ref=member.pk
    )
    AuditEntry.objects.create(
        actor=coordinator, action="view_member", network=world.network, member_id_ref=other.pk
    )

    response = client.get(_url("data", member))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    raw = response.content.decode()
    data = json.loads(raw)
    assert data["member"]["first_name"] == "Griet"
    assert data["member"]["last_name"] == "Vanderstraeten"
    assert data["member"]["email"] == "griet.vds@example.org"
    assert data["member"]["mobile_phone"] == "+32470123456"
    assert data["member"]["birth_date"] == "1970-05-17"
    assert data["member"]["network"]["slug"] == world.network.slug
    assert {c["subject"] for c in data["consents"]} == {"house_rules", "sms"}
    assert data["verifications"][0]["channel"] == "email"
    assert data["verifications"][0]["verified_at"]
    assert [n["kind"] for n in data["notifications"]] == ["welcome"]
    assert data["meeting_answers"] == [] and data["surveys"] == []
    assert data["notifications"][0]["status"] == "sent"
    assert [(a["action"], a["actor_role"]) for a in data["audit"]] == [
        ("view_member", "coordinator")
    ]
    # Nothing about anyone else, and no secrets.
    for foreign in (
        "Desmet",
        "desmet@example.org",
        "+32479999999",
        "other-v9",
        "other_kind",
        coordinator.email,
        coordinator.last_name,
        "f" * 64,
        "token_version",
    ):
        assert foreign not in raw, foreign


# --- bad links ------------------------------------------------------------------


def _tamper(token: str) -> str:
    # Change one character of the signed payload (before the first ":").
    index = 3
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


@pytest.mark.parametrize("name", ["home", "data", "leave"])
def test_tampered_and_junk_links_get_the_invalid_link_page(client, member, name):
    token = member_personal_token(member=member)
    for bad in (_tamper(token), token[:-1] + ("x" if token[-1] != "x" else "y"), "junk", "a:b:c"):
        response = client.get(reverse(f"personal:{name}", args=[bad]))
        _assert_invalid_link(response)
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]


def test_tampered_link_cannot_leave_or_change_anything(client, member):
    token = _tamper(member_personal_token(member=member))
    _assert_invalid_link(client.post(reverse("personal:leave", args=[token])))
    _assert_invalid_link(client.post(reverse("personal:new_link", args=[token])))
    _assert_invalid_link(
        client.post(reverse("personal:home", args=[token]), _form_data(member, language="de"))
    )
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert member.language == "en"
    assert member.token_version == 1


def test_new_link_revokes_earlier_links_and_emails_the_new_one(client, member):
    old_url = _url("home", member)
    assert client.get(old_url).status_code == 200

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(_url("new_link", member))

    assert response.status_code == 200
    assert "griet.vds@example.org" in response.content.decode()
    _assert_invalid_link(client.get(old_url))
    notification = notifications_about(obj=member).get(kind="self_service_new_link")
    assert notification.channel == "email"
    assert notification.to == "griet.vds@example.org"
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    new_url = re.search(r"https?://\S+/me/\S+/", mail.outbox[0].body).group(0)
    assert new_url != old_url
    token = new_url.rstrip("/").rsplit("/", 1)[1]
    assert member_from_token(token=token) == member
    assert client.get(reverse("personal:home", args=[token])).status_code == 200


def test_new_link_goes_by_sms_without_email(client, member):
    locmem.outbox.clear()
    member.email = ""
    member.by_email = False
    member.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(_url("new_link", member))
    assert response.status_code == 200
    notification = notifications_about(obj=member).get(kind="self_service_new_link")
    assert notification.channel == "sms"
    assert notification.to == "+32470123456"
    assert len(locmem.outbox) == 1
    assert "/me/" in locmem.outbox[0].body


def test_new_link_is_refused_when_it_cannot_be_sent(client, member):
    member.email = ""
    member.mobile_phone = ""
    member.by_email = member.by_sms = False
    member.by_voice = True
    member.save()
    url = _url("home", member)
    response = client.post(_url("new_link", member), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == url
    assert "ask your coordinator" in response.content.decode()
    # The current link keeps working: revoking it would lock the member out.
    assert client.get(url).status_code == 200
    assert not Notification.objects.filter(kind="self_service_new_link").exists()


def test_new_link_needs_post(client, member):
    assert client.get(_url("new_link", member)).status_code == 405
    member.refresh_from_db()
    assert member.token_version == 1


# --- leaving --------------------------------------------------------------------


def _text_values(model: type[models.Model], rows) -> list[str]:
    text_fields = [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]
    return [
        value if isinstance(value, str) else json.dumps(value, default=str)
        for row in rows.values_list(*text_fields)
        for value in row
    ]


def test_leaving_erases_at_once_and_keeps_an_anonymous_count(client, world, member):
    Verification.objects.create(
        member=member, channel="sms", secret_hash="a" * 64,
        expires_at=timezone.now() + timedelta(minutes=10),
    )  # fmt: skip
    Notification.objects.create(
        kind="welcome", channel="email", to=member.email, subject="Welcome Vanderstraeten",
        body="Dear Griet Vanderstraeten", about=member, status=Notification.Status.SENT,
    )  # fmt: skip
    Notification.objects.create(
        kind="welcome", channel="sms", to=str(member.mobile_phone), body="Welcome Griet",
        about=member, status=Notification.Status.FAILED,
    )  # fmt: skip
    queued = Notification.objects.create(
        kind="notice", channel="email", to=member.email, body="On its way", about=member
    )
    AuditEntry.objects.create(
        actor=world.users["coordinator"], action="view_member", network=world.network,
        member_id_ref=member.pk,
    )  # fmt: skip
    token_url = _url("home", member)
    left_before = Member.objects.filter(network=world.network, status=Member.Status.LEFT).count()
    secrets = ("griet.vds@example.org", "+32470123456", "+3253801234", "Vanderstraeten")

    tables = (
        (Member, Member.objects.all),
        (ConsentRecord, ConsentRecord.objects.all),
        (Notification, lambda: Notification.objects.exclude(status=Notification.Status.QUEUED)),
        (AuditEntry, AuditEntry.objects.all),
    )
    # The scan below does find the data while the member is still there.
    found = {
        s for model, rows in tables for v in _text_values(model, rows()) for s in secrets if s in v
    }
    assert found == set(secrets)

    assert client.get(_url("leave", member)).status_code == 200
    response = client.post(_url("leave", member))

    assert response.status_code == 200
    assert "personal/home/goodbye.html" in [t.name for t in response.templates]
    assert "Vanderstraeten" not in response.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    assert member.left_at is not None
    for name in (
        "first_name", "last_name", "email", "mobile_phone", "landline", "street",
        "house_number", "postcode", "business_name", "company_number",
    ):  # fmt: skip
        assert not getattr(member, name), name
    assert member.birth_date is None
    assert not (member.by_sms or member.by_email or member.by_voice)
    assert not ConsentRecord.objects.filter(member=member).exists()
    assert not Verification.objects.filter(member=member).exists()
    assert notifications_about(obj=member).filter().get() == queued  # still to be sent
    assert (
        Member.objects.filter(network=world.network, status=Member.Status.LEFT).count()
        == left_before + 1
    )

    entry = AuditEntry.objects.get(member_id_ref=member.pk, action="erase")
    assert entry.actor is None
    assert entry.detail == {"reason": "left"}

    for model, rows in tables:
        values = _text_values(model, rows())
        for secret in secrets:
            assert not any(secret in value for value in values), (model.__name__, secret)

    # Every link is dead now, including for another try at leaving.
    _assert_invalid_link(client.get(token_url))
    _assert_invalid_link(client.post(_url("leave", member)))


def test_data_download_holds_meeting_answers_and_surveys_asked_but_not_answers(
    client, world, member
):
    import json

    from charters.models import Meeting, MeetingRSVP
    from surveys.models import SurveyInvitation
    from tests.factories import survey_with_answers

    meeting = Meeting.objects.create(
        network=world.network, kind=Meeting.Kind.MEMBER_MEETING, place="Parochiezaal",
        starts_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    MeetingRSVP.objects.create(meeting=meeting, member=member, answer="yes", guests=2)
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    SurveyInvitation.objects.filter(survey=survey, member=member).update(answered=True)

    data = json.loads(client.get(_url("data", member)).content)

    assert [
        (a["meeting"], a["place"], a["answer"], a["guests"]) for a in data["meeting_answers"]
    ] == [("member_meeting", "Parochiezaal", "yes", 2)]
    assert data["surveys"] == [{"survey": survey.title, "answered": True}]
    assert "answers" not in json.dumps(data["surveys"])
