"""The public sign-up: no user enumeration (decoys for known addresses, lost
races), SMS caps that a decoy shares, and no code or link kept once sent."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Verification
from outbox.gateways import locmem
from outbox.models import Notification
from outbox.selectors import notifications_about
from tests.factories import MemberFactory, NetworkFactory
from tests.members.signup_helpers import (
    DECOY,
    KNOWN_EMAIL,
    KNOWN_MOBILE,
    REAL,
    _cache_keys,
    email_link_path,
    post,
    sms_code,
    submit,
    verify_url,
)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    locmem.outbox.clear()
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


# --- no user enumeration -------------------------------------------------------


def _page_without_tokens(response) -> str:
    # CSRF tokens and link tokens differ; everything else must be the same.
    page = re.sub(r"/confirm/[^/\"]+/", "/confirm/<token>/", response.content.decode())
    return re.sub(r"[A-Za-z0-9]{32,}", "", page)


def _without_secrets(text: str) -> str:
    # Codes and links differ per message; everything else must be the same.
    return re.sub(r"https?://\S+/confirm/\S+/|\b\d{6}\b", "<secret>", text)


def _wrong_codes(count: int):
    """Codes that are not any code sent so far."""
    sent = {re.search(r"\b(\d{6})\b", m.body).group(1) for m in locmem.outbox}
    wrong = (f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in sent)
    return [next(wrong) for _ in range(count)]


@pytest.fixture
def known(world):
    return MemberFactory(network=world.network, email=KNOWN_EMAIL, mobile_phone=KNOWN_MOBILE)


@pytest.mark.parametrize("match", ["email", "phone"])
def test_known_address_looks_like_a_new_sign_up(client, world, known, match):
    members = Member.objects.count()
    fresh = client.__class__()
    new = submit(fresh, world.network, **REAL)
    assert Member.objects.count() == members + 1
    real_mail, real_sms = list(mail.outbox), list(locmem.outbox)
    mail.outbox.clear()
    locmem.outbox.clear()
    notifications = Notification.objects.count()
    before = Notification.objects.latest("pk").pk

    dup = submit(client, world.network, **DECOY[match])
    assert (dup.status_code, dup["Location"]) == (new.status_code, new["Location"])
    assert Member.objects.count() == members + 1
    assert not Verification.objects.filter(member=known).exists()
    # The existing member hears of it, with their personal link ...
    notice = Notification.objects.get(kind="signup_duplicate_notice")
    assert notice.about == known and notice.to == KNOWN_EMAIL
    assert mail.outbox[0].to == [KNOWN_EMAIL] and "/me/" in mail.outbox[0].body
    # ... and the visitor's own address that is not known gets the same message
    # as in a real sign-up: a code by SMS, or a link by email.
    decoy_messages = Notification.objects.filter(pk__gt=before).exclude(pk=notice.pk)
    assert Notification.objects.count() == notifications + 2
    if match == "email":
        assert [m.to for m in mail.outbox] == [[KNOWN_EMAIL]]
        assert [sms.to for sms in locmem.outbox] == ["+32473334456"]
        assert _without_secrets(locmem.outbox[0].body) == _without_secrets(real_sms[0].body)
        assert decoy_messages.get().kind == "signup_sms_code"
    else:
        assert [m.to for m in mail.outbox] == [[KNOWN_EMAIL], ["kevin@example.org"]]
        assert not locmem.outbox  # the known mobile's owner got the notice by email
        assert mail.outbox[1].subject == real_mail[0].subject
        assert _without_secrets(mail.outbox[1].body) == _without_secrets(real_mail[0].body)
        assert decoy_messages.get().kind == "signup_email_link"
    assert decoy_messages.get().about is None

    dup_page = client.get(verify_url(world.network))
    new_page = fresh.get(verify_url(world.network))
    assert dup_page.status_code == new_page.status_code == 200
    assert [t.name for t in dup_page.templates] == [t.name for t in new_page.templates]
    assert _page_without_tokens(dup_page) == _page_without_tokens(new_page)

    # Wrong codes get the same answers as a real wrong code.
    for wrong in _wrong_codes(5):
        answers = [
            post(c, verify_url(world.network), {"code": wrong}, ip=ip)
            for c, ip in ((client, "198.51.100.1"), (fresh, "198.51.100.2"))
        ]
        assert answers[0].status_code == answers[1].status_code == 200
        assert _page_without_tokens(answers[0]) == _page_without_tokens(answers[1])
    assert "no longer works" in _page_without_tokens(
        post(client, verify_url(world.network), {"code": _wrong_codes(1)[0]})
    )


def test_decoy_sms_code_works_like_a_real_one(client, world, known):
    """Known email, the visitor's own mobile: their code works as in a real
    sign-up whose email the visitor cannot open."""
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_code = sms_code()
    submit(client, world.network, **DECOY["email"])
    members, verifications = Member.objects.count(), Verification.objects.count()
    assert locmem.outbox[-1].to == "+32473334456"
    decoy_code = sms_code()

    answers = [
        post(c, verify_url(world.network), {"code": code})
        for c, code in ((client, decoy_code), (fresh, real_code))
    ]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"] == verify_url(world.network)
    pages = [c.get(verify_url(world.network)) for c in (client, fresh)]
    assert "Your mobile number is confirmed." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    assert 'name="code"' not in pages[0].content.decode()
    # The same code again is harmless, as in a real sign-up.
    again = post(client, verify_url(world.network), {"code": decoy_code})
    assert again["Location"] == verify_url(world.network)
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    assert Member.objects.get(email="kim@example.org").phone_verified_at is not None


def test_decoy_email_link_works_like_a_real_one(client, world, known):
    """Known mobile, the visitor's own email: their link works as in a real sign-up."""
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_link = email_link_path(mail.outbox[-1])
    submit(client, world.network, **DECOY["phone"])
    members, verifications = Member.objects.count(), Verification.objects.count()
    assert mail.outbox[-1].to == ["kevin@example.org"]
    decoy_link = email_link_path(mail.outbox[-1])
    assert decoy_link.startswith(f"/networks/{world.network.slug}/join/confirm/")
    assert len(decoy_link) == len(real_link)

    for c, link in ((client, decoy_link), (fresh, real_link)):
        page = c.get(link)
        assert page.status_code == 200
        assert "Press the button" in page.content.decode()
    # Confirmed on another device, as a real link may be.
    other_decoy, other_real = client.__class__(), client.__class__()
    answers = [post(other_decoy, decoy_link), post(other_real, real_link)]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"] == verify_url(world.network)
    pages = [c.get(verify_url(world.network)) for c in (other_decoy, other_real)]
    assert "Your email address is confirmed. One step left." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    # Opened again: "already confirmed", for both.
    again = [client.get(decoy_link), fresh.get(real_link)]
    assert "already confirmed" in again[0].content.decode()
    assert _page_without_tokens(again[0]) == _page_without_tokens(again[1])
    # A decoy's link works only in its own network, as a real one.
    foreign = decoy_link.replace(f"/{world.network.slug}/", f"/{world.other_network.slug}/")
    assert post(client.__class__(), foreign).status_code == 400
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    assert Member.objects.get(email="kim@example.org").email_verified_at is not None


def test_decoy_ends_on_the_same_done_page(client, world, monkeypatch):
    """A decoy with both addresses new to the network (a lost race whose winner
    cannot be seen) is confirmed to the very end, and still stores nothing."""
    from members.services import signup as signup_service

    members, verifications = Member.objects.count(), Verification.objects.count()
    monkeypatch.setattr(signup_service, "member_create", _raise_integrity_error)
    submit(client, world.network)
    monkeypatch.undo()
    assert (Member.objects.count(), Verification.objects.count()) == (members, verifications)
    decoy_code, decoy_link = sms_code(), email_link_path(mail.outbox[-1])
    fresh = client.__class__()
    submit(fresh, world.network, **REAL)
    real_code, real_link = sms_code(), email_link_path(mail.outbox[-1])
    for c, code in ((client, decoy_code), (fresh, real_code)):
        assert post(c, verify_url(world.network), {"code": code}).status_code == 302
    answers = [post(client, decoy_link), post(fresh, real_link)]
    done_url = reverse("members:signup:done", kwargs={"slug": world.network.slug})
    assert answers[0]["Location"] == answers[1]["Location"] == done_url
    pages = [c.get(done_url) for c in (client, fresh)]
    assert "A coordinator of the network now checks your sign-up." in pages[0].content.decode()
    assert _page_without_tokens(pages[0]) == _page_without_tokens(pages[1])
    assert Member.objects.count() == members + 1
    assert not Member.objects.filter(email="an.claes@example.org").exists()


def _raise_integrity_error(**kwargs):
    raise IntegrityError(
        'duplicate key value violates unique constraint "member_unique_email_per_network"'
    )


def test_lost_race_with_a_parallel_sign_up_is_a_decoy_not_a_500(client, world, monkeypatch):
    """The other sign-up committed between our check and our insert: the
    insert fails on the unique constraint, and the sign-up becomes a decoy."""
    from members.services import signup as signup_service

    winner = MemberFactory(
        network=world.network, email="an.claes@example.org", mobile_phone="+32479000001",
        status=Member.Status.PENDING,
    )  # fmt: skip
    real_existing = signup_service._existing_members
    checks = []

    def existing_before_the_winner_committed(**kwargs):
        checks.append(kwargs)
        return [] if len(checks) == 1 else real_existing(**kwargs)

    monkeypatch.setattr(signup_service, "_existing_members", existing_before_the_winner_committed)
    monkeypatch.setattr(signup_service, "member_create", _raise_integrity_error)
    response = submit(client, world.network)
    monkeypatch.undo()

    assert response.status_code == 302
    assert response["Location"] == verify_url(world.network)
    assert len(checks) == 2
    assert list(Member.objects.filter(email="an.claes@example.org")) == [winner]
    assert Notification.objects.get(kind="signup_duplicate_notice").about == winner
    # The visitor's mobile is new: it gets a working code, as in a real sign-up.
    assert [sms.to for sms in locmem.outbox] == ["+32470123456"]
    assert post(client, verify_url(world.network), {"code": sms_code()}).status_code == 302
    assert (
        "Your mobile number is confirmed." in client.get(verify_url(world.network)).content.decode()
    )
    # Afterwards sign-ups work as before.
    assert submit(client.__class__(), world.network, **REAL).status_code == 302
    assert Member.objects.filter(email="kim@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_the_same_email_on_postgresql(require_postgres, monkeypatch):
    """Two sign-ups pass the known-address check together and insert at the
    same time: PostgreSQL refuses the second row; that sign-up becomes a decoy."""
    import threading

    from django.db import connection

    from members.services import signup as signup_service

    world_network = NetworkFactory(streets=[("Kerkstraat", "9340", None, None)])
    barrier = threading.Barrier(2, timeout=20)
    local = threading.local()
    real_existing = signup_service._existing_members
    real_save = Member.save

    def existing_checked_together(**kwargs):
        result = real_existing(**kwargs)
        if not getattr(local, "checked", False):
            local.checked = True
            barrier.wait()
        return result

    def insert_together(self, *args, **kwargs):
        if self.pk is None and not getattr(local, "inserted", False):
            local.inserted = True
            barrier.wait()
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(signup_service, "_existing_members", existing_checked_together)
    monkeypatch.setattr(Member, "save", insert_together)
    results, errors = [], []

    def sign_up(mobile: str) -> None:
        data = {
            "first_name": "An", "last_name": "Claes", "street": "Kerkstraat",
            "house_number": "12", "postcode": "9340", "email": "an.claes@example.org",
            "mobile_phone": mobile, "language": "nl", "by_sms": True, "by_email": True,
            "adult": True, "relation": "lives", "accept_house_rules": True,
            "accept_privacy": True,
        }  # fmt: skip
        try:
            results.append(
                signup_service.signup_submit(network=world_network, ip="192.0.2.1", **data)
            )
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign_up, args=(mobile,))
        for mobile in ("+32470123456", "+32470654321")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()

    assert errors == []
    assert sorted(result.member_id is None for result in results) == [False, True]
    assert Member.objects.filter(network=world_network).count() == 1
    winner = Member.objects.get(network=world_network)
    assert notifications_about(obj=winner).filter(kind="signup_duplicate_notice").exists()


def test_known_pending_sign_up_gets_a_fresh_confirmation_link(client, world):
    submit(client, world.network)
    member = Member.objects.get(email="an.claes@example.org")
    first_link = email_link_path(mail.outbox[0])
    mail.outbox.clear()
    submit(client.__class__(), world.network, ip="192.0.2.9")
    assert Member.objects.filter(email="an.claes@example.org").count() == 1
    notice = Notification.objects.get(kind="signup_duplicate_notice")
    assert notice.about == member
    new_link = email_link_path(mail.outbox[0])
    assert new_link != first_link
    assert post(client, first_link).status_code == 400  # replaced
    assert post(client, new_link).status_code == 302


REAL_MOBILE, DECOY_MOBILE = "+32472112256", "+32473334456"
LOCKED = "can no longer be confirmed by SMS"


def _codes_to(number: str) -> list[str]:
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in locmem.outbox if m.to == number]


@pytest.fixture
def side_by_side(client, world, known, settings):
    """A real sign-up and a decoy (known email, the visitor's own mobile). Each
    step is taken by both and must give the same page."""
    settings.SIGNUP_RATE_LIMITS = {
        "code_ip": (1000, 3600), "resend": (100, 3600), "resend_ip": (100, 3600),
    }  # fmt: skip
    real, decoy = client.__class__(), client.__class__()
    submit(real, world.network, **REAL)
    submit(decoy, world.network, **DECOY["email"])
    url = verify_url(world.network)

    def step(data: dict | None = None, codes: tuple[str, str] | None = None) -> str:
        if codes:
            answers = [post(real, url, {"code": codes[0]}), post(decoy, url, {"code": codes[1]})]
        else:
            answers = [post(c, url, data) for c in (real, decoy)]
        assert answers[0].status_code == answers[1].status_code
        if answers[0].status_code == 302:
            answers = [c.get(a["Location"]) for c, a in zip((real, decoy), answers, strict=True)]
        # A code typed in is shown again in its field; the rest must be the same.
        typed = codes or ("", "")
        pages = [
            _page_without_tokens(a).replace(f'value="{t}"', 'value=""')
            if t
            else _page_without_tokens(a)
            for a, t in zip(answers, typed, strict=True)
        ]
        assert pages[0] == pages[1]
        return answers[0].content.decode()

    return step


def _wrong(step, times: int) -> str:
    for _ in range(times):
        page = step({"code": _wrong_codes(1)[0]})
    return page


def test_wrong_codes_are_capped_over_the_whole_sign_up(side_by_side, world):
    step = side_by_side
    assert "last try" in _wrong(step, 5)
    assert "We sent you a new code" in step({"action": "resend"})
    assert "last try" in _wrong(step, 5)
    step({"action": "resend"})
    _wrong(step, 2)
    step({"action": "resend"})
    # 12 wrong so far: the 15th wrong try is the last, whatever the code's own count.
    assert "2 more tries" in _wrong(step, 1)
    assert "1 more try" in _wrong(step, 1)
    page = _wrong(step, 1)
    assert LOCKED in page and "coordinator" in page
    assert 'name="code"' not in page
    # Nothing works any more: not the right code, not a new one.
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert LOCKED in page
    page = step({"action": "resend"})
    assert LOCKED in page and "We sent you a new code" not in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 4
    assert Member.objects.get(email="kim@example.org").phone_verified_at is None
    assert Verification.objects.filter(member__email="kim@example.org", channel="sms").count() == 4


@pytest.mark.parametrize("last_code", ["right", "wrong"])
def test_at_most_five_codes_per_sign_up(side_by_side, world, last_code):
    step = side_by_side
    for _ in range(4):
        assert "We sent you a new code" in step({"action": "resend"})
    page = step({"action": "resend"})
    assert "We cannot send more codes for this sign-up" in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 5
    if last_code == "right":
        # The fifth code still works.
        page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
        assert "Your mobile number is confirmed." in page
        assert Member.objects.get(email="kim@example.org").phone_verified_at is not None
    else:
        assert "1 more try" in _wrong(step, 4)
        # Its last try gone and no new code allowed: SMS is over for this sign-up.
        page = _wrong(step, 1)
        assert LOCKED in page and "Ask for a new code" not in page
    assert len(_codes_to(REAL_MOBILE)) == len(_codes_to(DECOY_MOBILE)) == 5


def test_decoy_codes_expire_like_real_ones(side_by_side, world, clock, settings):
    step = side_by_side
    clock.shift(minutes=settings.SIGNUP_SMS_CODE_MINUTES, seconds=1)
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert "This code has expired" in page
    step({"action": "resend"})
    page = step(codes=(_codes_to(REAL_MOBILE)[-1], _codes_to(DECOY_MOBILE)[-1]))
    assert "Your mobile number is confirmed." in page


@pytest.mark.parametrize("kind", ["real", "decoy"])
def test_used_email_link_expires_too(client, world, known, clock, settings, kind):
    submit(client, world.network, **(REAL if kind == "real" else DECOY["phone"]))
    link = email_link_path(mail.outbox[-1])
    assert post(client, link).status_code == 302
    assert "already confirmed" in client.get(link).content.decode()
    clock.shift(hours=settings.SIGNUP_EMAIL_LINK_HOURS, seconds=1)
    for response in (client.get(link), post(client, link)):
        assert response.status_code == 400
        assert "This confirmation link has expired" in response.content.decode()


def test_no_code_or_link_is_kept_once_sent(client, world, known):
    """Codes and links live only in the messages that went out: the outbox rows
    are emptied once sent, and the cache holds hashes only."""
    submit(client, world.network, **REAL)
    submit(client.__class__(), world.network, ip="192.0.2.2", **DECOY["email"])
    submit(client.__class__(), world.network, ip="192.0.2.3", **DECOY["phone"])
    secrets = [*_codes_to(REAL_MOBILE), *_codes_to(DECOY_MOBILE)]
    for message in mail.outbox:
        match = re.search(r"https?://\S+/(?:confirm|me)/(\S+)/", message.body)
        secrets.append(match.group(1))
    assert len(secrets) == 6  # 2 codes, 2 links, 2 personal links in the notices
    notifications = list(Notification.objects.all())
    # Every message of a sign-up carries a code or link: each is flagged sensitive.
    assert {n.kind for n in notifications} <= {
        "signup_sms_code", "signup_email_link", "signup_duplicate_notice", "welcome",
    }  # fmt: skip
    assert all(n.sensitive for n in notifications)
    for notification in notifications:
        assert notification.status == "sent"
        kept = notification.subject + notification.body + notification.html_body
        assert not any(secret in kept for secret in secrets)
    for key in _cache_keys():
        value = str(cache.get(key.split(":", 2)[2]))
        assert not any(secret in value for secret in secrets), key


def test_the_verify_page_tells_a_known_member_where_to_look(client, world, known):
    # A second sign-up with a member's number: the page is the same as for a new
    # number, and it says what a real member receives instead of a code.
    known.language = "en"
    known.save()
    submit(client, world.network, **DECOY["phone"])
    notice = mail.outbox[0]
    assert notice.to == [KNOWN_EMAIL]
    page = client.get(verify_url(world.network)).content.decode()
    assert f"“{notice.subject.removeprefix('[BIN] ')}”" in html.unescape(page)
    assert "If this number already belongs to a member of this network, no code is sent" in page
    assert "Already a member of this network?" in page
