"""Members change their own contact details (house rule 7): proofs of a new
email address and mobile number, a landline of the network's country, an
address checked against the area (the coordinator decides outside it), the
daily limit, privacy for addresses that are taken, audit and consent records."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from members.models import AuditEntry, ConsentRecord, ContactChange, Member
from members.services.contact_changes import (
    CONTACT_CODE_MAX_ATTEMPTS,
    contact_address_change,
    contact_change_cancel,
    contact_change_decide,
    contact_code_verify,
    contact_email_change,
    contact_email_confirm,
    contact_landline_change,
    contact_mobile_change,
)
from members.services.core import member_erase
from outbox.gateways import locmem
from outbox.models import Notification
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _outboxes():
    locmem.outbox.clear()
    mail.outbox = []
    yield
    locmem.outbox.clear()


@pytest.fixture
def clock(monkeypatch):
    """Moves the time on for everything that asks django.utils.timezone."""

    class Clock:
        offset = timedelta(0)

        def shift(self, **delta) -> None:
            self.offset += timedelta(**delta)

    clock = Clock()
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + clock.offset)
    return clock


@pytest.fixture
def member(world) -> Member:
    return MemberFactory(
        network=world.network, email="an@example.org", mobile_phone="+32470111111",
        language="fr", house_number="3",
    )  # fmt: skip


def _sms_code(to: str) -> str:
    (sms,) = [m for m in locmem.outbox if m.to == to]
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


def _email_secret(to: str) -> str:
    (email,) = [m for m in mail.outbox if to in m.to]
    return re.search(r"/contact/confirm/([^/\s]+)/", email.body).group(1)


def _steps(member: Member) -> list[str]:
    return list(
        AuditEntry.objects.filter(member_id_ref=member.pk, action="contact_change")
        .order_by("pk")
        .values_list("detail__step", flat=True)
    )


# --- mobile ----------------------------------------------------------------------


def test_new_mobile_is_used_only_once_the_sms_code_is_right(member, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        change = contact_mobile_change(member=member, mobile_phone="0470 22 22 22")
    assert change.value == {"mobile_phone": "+32470222222"}
    member.refresh_from_db()
    assert str(member.mobile_phone) == "+32470111111"  # the old number stays in use
    code = _sms_code("+32470222222")
    sms = next(m for m in locmem.outbox if m.to == "+32470222222")
    assert str(settings.CONTACT_SMS_CODE_MINUTES) in sms.body
    with pytest.raises(ValidationError):
        contact_code_verify(change=change, code="000000" if code != "000000" else "111111")
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_code_verify(change=change, code=code)
    member.refresh_from_db()
    change.refresh_from_db()
    assert str(member.mobile_phone) == "+32470222222"
    # The old number hears that it is no longer used (someone else may hold the link).
    (notice,) = [m for m in locmem.outbox if m.to == "+32470111111"]
    assert "+32470222222" not in notice.body
    assert member.phone_verified_at is not None
    assert change.status == ContactChange.Status.APPLIED and change.secret_hash == ""
    assert change.value == {}  # the value lives on the member now, no history of it
    assert _steps(member) == ["requested", "applied"]
    consent = member.consents.get(subject=ConsentRecord.Subject.CONTACT_MOBILE)
    assert consent.method == ConsentRecord.Method.PERSONAL_PAGE


@pytest.mark.parametrize("language", ["nl", "de"])
def test_verification_messages_are_rendered_in_the_members_language(member, monkeypatch, language):
    # The texts' translations arrive with the next .po merge; what is checked
    # here is that each text is rendered in the member's language.
    from django.utils import translation

    from members.services import contact_changes

    seen = []
    render = contact_changes.render_to_string

    def spy(template, context):
        seen.append((template.rsplit("/", 1)[-1], translation.get_language()))
        return render(template, context)

    monkeypatch.setattr(contact_changes, "render_to_string", spy)
    Member.objects.filter(pk=member.pk).update(language=language)
    member.refresh_from_db()
    contact_mobile_change(member=member, mobile_phone="0470 22 22 22")
    contact_email_change(member=member, email="nieuw@example.org")
    assert {lang for _name, lang in seen} == {language}
    assert {name for name, _lang in seen} == {
        "contact_sms_code.txt",
        "contact_email_link_subject.txt",
        "contact_email_link.txt",
    }


def test_sms_code_expires(member, clock, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        change = contact_mobile_change(member=member, mobile_phone="0470222222")
    code = _sms_code("+32470222222")
    clock.shift(minutes=settings.CONTACT_SMS_CODE_MINUTES, seconds=1)
    with pytest.raises(ValidationError, match="expired"):
        contact_code_verify(change=change, code=code)
    change.refresh_from_db()
    member.refresh_from_db()
    assert change.status == ContactChange.Status.FAILED and change.value == {}
    assert str(member.mobile_phone) == "+32470111111"


def test_sms_code_attempts_are_limited(member):
    with TestCase.captureOnCommitCallbacks(execute=True):
        change = contact_mobile_change(member=member, mobile_phone="0470222222")
    code = _sms_code("+32470222222")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(CONTACT_CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            contact_code_verify(change=change, code=wrong)
    change.refresh_from_db()
    assert change.status == ContactChange.Status.FAILED
    with pytest.raises(ValidationError):
        contact_code_verify(change=change, code=code)  # even the right one no longer works
    member.refresh_from_db()
    assert str(member.mobile_phone) == "+32470111111"
    assert "too_many_attempts" in _steps(member)


def test_mobile_must_be_a_mobile_of_the_networks_country(member):
    with pytest.raises(ValidationError) as exc:
        contact_mobile_change(member=member, mobile_phone="053 80 12 34")  # a landline
    assert "mobile_phone" in exc.value.message_dict
    assert not ContactChange.objects.exists()


def test_a_mobile_of_another_member_gets_the_same_answer_and_never_a_code(member, world):
    owner = MemberFactory(network=world.network, mobile_phone="+32470333333", language="nl")
    with TestCase.captureOnCommitCallbacks(execute=True):
        taken = contact_mobile_change(member=member, mobile_phone="0470 33 33 33")
        free = contact_mobile_change(member=member, mobile_phone="0470 44 44 44")
    # Same kind of row, same status: the page shows the same thing for both.
    assert (taken.status, taken.field) == (free.status, free.field)
    notice = next(m for m in locmem.outbox if m.to == "+32470333333")
    assert not re.search(r"\b\d{6}\b", notice.body)  # the owner gets a notice, no code
    assert Notification.objects.filter(kind="contact_taken_notice", about_id=owner.pk).exists()
    owner.refresh_from_db()
    assert str(owner.mobile_phone) == "+32470333333"


# --- email -----------------------------------------------------------------------


def test_new_email_is_used_once_the_link_is_opened(member, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        change = contact_email_change(member=member, email=" Nieuw@Example.org ")
    assert change.value == {"email": "nieuw@example.org"}
    (email,) = mail.outbox
    assert email.to == ["nieuw@example.org"]
    assert str(settings.CONTACT_EMAIL_LINK_HOURS) in email.body
    member.refresh_from_db()
    assert member.email == "an@example.org"
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_email_confirm(secret=_email_secret("nieuw@example.org"))
    member.refresh_from_db()
    assert member.email == "nieuw@example.org" and member.email_verified_at is not None
    (notice,) = [m for m in mail.outbox if m.to == ["an@example.org"]]
    assert "nieuw@example.org" not in notice.body
    assert member.consents.filter(subject=ConsentRecord.Subject.CONTACT_EMAIL).exists()
    assert _steps(member) == ["requested", "applied"]
    with pytest.raises(ValidationError):  # a link works once
        contact_email_confirm(secret=_email_secret("nieuw@example.org"))


def test_email_link_expires(member, clock, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_email_change(member=member, email="nieuw@example.org")
    clock.shift(hours=settings.CONTACT_EMAIL_LINK_HOURS, seconds=1)
    with pytest.raises(ValidationError, match="expired"):
        contact_email_confirm(secret=_email_secret("nieuw@example.org"))
    member.refresh_from_db()
    assert member.email == "an@example.org"


def test_an_email_of_another_member_gets_the_same_answer_and_never_a_link(member, world):
    MemberFactory(network=world.network, email="owner@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        taken = contact_email_change(member=member, email="owner@example.org")
    assert taken.status == ContactChange.Status.VERIFYING
    (notice,) = mail.outbox
    assert "/contact/confirm/" not in notice.body
    member.refresh_from_db()
    assert member.email == "an@example.org"


def test_a_newer_change_replaces_the_open_one(member):
    first = contact_email_change(member=member, email="een@example.org")
    contact_email_change(member=member, email="twee@example.org")
    first.refresh_from_db()
    assert first.status == ContactChange.Status.CANCELLED and first.value == {}


def test_changes_per_day_are_limited(member, settings):
    settings.CONTACT_CHANGES_PER_DAY = 2
    contact_email_change(member=member, email="een@example.org")
    contact_mobile_change(member=member, mobile_phone="0470222222")
    with pytest.raises(ValidationError, match="tomorrow"):
        contact_email_change(member=member, email="drie@example.org")


# --- landline ----------------------------------------------------------------------


def test_landline_is_used_at_once_and_must_be_a_phone_of_the_country(member):
    with pytest.raises(ValidationError) as exc:
        contact_landline_change(member=member, landline="12")
    assert "landline" in exc.value.message_dict
    change = contact_landline_change(member=member, landline="053 80 12 34")
    member.refresh_from_db()
    assert str(member.landline) == "+3253801234"
    assert change.status == ContactChange.Status.APPLIED
    assert member.consents.filter(subject=ConsentRecord.Subject.CONTACT_LANDLINE).exists()
    assert _steps(member) == ["requested", "applied"]


def test_removing_the_landline_stops_voice_calls_without_a_mobile(world):
    member = MemberFactory(
        network=world.network, email="x@example.org", mobile_phone="", landline="+3253801234",
        by_sms=False, by_voice=True,
    )  # fmt: skip
    contact_landline_change(member=member, landline="")
    member.refresh_from_db()
    assert str(member.landline or "") == "" and member.by_voice is False


# --- address -----------------------------------------------------------------------


def test_address_inside_the_area_is_used_at_once(member):
    contact_address_change(
        member=member, street="kerkstraat", house_number="21b", postcode="9340",
        outside_confirmed=False,
    )  # fmt: skip
    member.refresh_from_db()
    assert (member.street, member.house_number) == ("Kerkstraat", "21B")
    assert member.consents.filter(subject=ConsentRecord.Subject.CONTACT_ADDRESS).exists()


def test_address_outside_the_area_is_explained_then_waits_for_the_coordinator(member, world):
    with pytest.raises(ValidationError) as exc:
        contact_address_change(
            member=member, street="Stationsstraat", house_number="4", postcode="9340",
            outside_confirmed=False,
        )  # fmt: skip
    assert exc.value.error_dict["street"][0].code == "outside"
    assert not ContactChange.objects.exists()
    change = contact_address_change(
        member=member, street="Stationsstraat", house_number="4", postcode="9340",
        outside_confirmed=True,
    )  # fmt: skip
    assert change.status == ContactChange.Status.AWAITING_DECISION
    member.refresh_from_db()
    assert member.street == "Kerkstraat"
    assert _steps(member) == ["requested_outside_area"]


def test_house_number_without_digits_is_a_typo(member):
    with pytest.raises(ValidationError) as exc:
        contact_address_change(
            member=member, street="Elders", house_number="bis", postcode="1000",
            outside_confirmed=True,
        )  # fmt: skip
    assert "house_number" in exc.value.message_dict


@pytest.mark.parametrize("accept", [True, False])
def test_coordinator_decides_and_the_member_is_told(member, world, accept):
    change = contact_address_change(
        member=member, street="Stationsstraat", house_number="4", postcode="9340",
        outside_confirmed=True,
    )  # fmt: skip
    coordinator = world.users["coordinator"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_change_decide(change=change, decided_by=coordinator, accept=accept, reason="Ok")
    change.refresh_from_db()
    member.refresh_from_db()
    (email,) = mail.outbox
    assert email.to == ["an@example.org"]
    assert "Stationsstraat 4" in email.body and "Ok" in email.body
    entry = AuditEntry.objects.filter(member_id_ref=member.pk).order_by("pk").last()
    assert entry.actor == coordinator
    if accept:
        assert member.street == "Stationsstraat"
        assert change.status == ContactChange.Status.APPLIED
        consent = member.consents.get(subject=ConsentRecord.Subject.CONTACT_ADDRESS)
        assert consent.recorded_by == coordinator
        assert entry.detail["step"] == "applied"
    else:
        assert member.street == "Kerkstraat"
        assert change.status == ContactChange.Status.REFUSED and change.value == {}
        assert entry.detail["step"] == "refused"
    with pytest.raises(ValidationError):
        contact_change_decide(change=change, decided_by=coordinator, accept=True)


def test_member_cancels_an_open_change(member):
    change = contact_email_change(member=member, email="nieuw@example.org")
    contact_change_cancel(change=change)
    change.refresh_from_db()
    assert change.status == ContactChange.Status.CANCELLED
    assert _steps(member) == ["requested", "cancelled"]
    with pytest.raises(ValidationError):
        contact_change_cancel(change=change)


def test_audit_entries_hold_no_contact_data(member):
    contact_email_change(member=member, email="nieuw@example.org")
    contact_landline_change(member=member, landline="053801234")
    for entry in AuditEntry.objects.filter(member_id_ref=member.pk):
        assert "nieuw" not in str(entry.detail) and "3253" not in str(entry.detail)


def test_erasing_the_member_deletes_the_changes(member):
    contact_email_change(member=member, email="nieuw@example.org")
    member_erase(member=member, actor=None, reason="left")
    assert not ContactChange.objects.filter(member=member).exists()


# --- removal -------------------------------------------------------------------------


def test_removing_the_mobile_stops_sms_and_withdraws_its_consent(member):
    from members.services.contact_removal import contact_remove

    ConsentRecord.objects.create(
        member=member, subject=ConsentRecord.Subject.SMS, version="1",
        given_at=timezone.now(), method=ConsentRecord.Method.WEB_FORM,
    )  # fmt: skip
    Member.objects.filter(pk=member.pk).update(by_sms=True, by_email=True, by_voice=True)
    member.refresh_from_db()
    change = contact_remove(member=member, field="mobile_phone")
    member.refresh_from_db()
    assert str(member.mobile_phone or "") == "" and member.phone_verified_at is None
    assert (member.by_sms, member.by_voice, member.by_email) == (False, False, True)
    assert member.consents.get(subject=ConsentRecord.Subject.SMS).withdrawn_at is not None
    assert change.status == ContactChange.Status.APPLIED and change.value == {}
    assert _steps(member) == ["removed"]


def test_the_only_contact_or_channel_cannot_be_removed(world):
    from members.services.contact_removal import contact_remove

    only_email = MemberFactory(network=world.network, mobile_phone="", by_sms=False)
    with pytest.raises(ValidationError, match="only way"):
        contact_remove(member=only_email, field="email")
    sms_only = MemberFactory(network=world.network, by_email=False, by_sms=True)
    with pytest.raises(ValidationError, match="no messages"):
        contact_remove(member=sms_only, field="mobile_phone")
    assert not ContactChange.objects.exists()
