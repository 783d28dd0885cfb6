"""Cancelling or updating an alert that already reached people tells those
people, in their language, on the channels that reached them; cancelling a
draft deletes it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from members.models import Member
from messaging.models import Delivery, Message
from messaging.services.lifecycle import (
    message_cancel,
    message_draft_delete,
    message_publish,
    message_update_draft,
)
from outbox.gateways import locmem
from tests.factories import MemberFactory, MessageFactory

TEXTS = {
    "nl": {"sms": "Inbrekers actief in de Kerkstraat", "subject": "Inbraken", "body": "Lang"},
    "fr": {"sms": "Cambrioleurs actifs rue de l'Eglise", "subject": "Cambriolages", "body": ""},
}


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


class People:
    """Who the alert reached, and how."""

    def __init__(self, world) -> None:
        Member.objects.filter(pk=world.member.pk).update(by_voice=False)
        self.nl = world.member  # SMS and email
        self.fr = MemberFactory(network=world.network, language="fr", by_email=False)
        # Voice only, with a mobile: the notice comes by SMS.
        self.voice_mobile = MemberFactory(
            network=world.network, by_sms=False, by_email=False, by_voice=True
        )
        # Voice only on a landline, with an email address: by email.
        self.voice_landline = MemberFactory(
            network=world.network, by_sms=False, by_email=False, by_voice=True,
            mobile_phone="", landline="+3253123456", language="fr",
        )  # fmt: skip
        # A landline and nothing else: called again.
        self.landline_only = MemberFactory(
            network=world.network, by_sms=False, by_email=False, by_voice=True,
            mobile_phone="", email="", landline="+3253123457",
        )  # fmt: skip
        # Not reached: the SMS failed; or it had not gone out yet.
        self.failed = MemberFactory(network=world.network, by_email=False)
        self.waiting = MemberFactory(network=world.network, by_email=False)


def _sent_alert(world, **fields) -> tuple[Message, People]:
    people = People(world)
    alert = MessageFactory(
        texts=TEXTS, by_sms=True, by_email=True, by_voice=True,
        created_by=world.users["officer"], networks=[world.network], **fields,
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=alert, published_by=world.users["officer"])
    alert.deliveries.filter(member=people.failed).update(status=Delivery.Status.FAILED)
    alert.deliveries.filter(member=people.waiting).update(status=Delivery.Status.QUEUED)
    locmem.outbox.clear()
    mail.outbox.clear()
    alert.refresh_from_db()
    return alert, people


def _cancel(world, alert) -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return message_cancel(message=alert, cancelled_by=world.users["officer"])


def _expected_sms(alert: Message, language: str) -> str:
    excerpt = alert.texts[language]["sms"]
    with translation.override(language):
        from django.utils import formats, timezone

        when = formats.date_format(timezone.localtime(alert.published_at), "SHORT_DATETIME_FORMAT")
        return _(
            'Cancelled: %(network)s, message of %(when)s ("%(excerpt)s") no longer applies.'
        ) % {"network": "BIN Oordegem", "when": when, "excerpt": excerpt}


def test_cancelling_a_sent_alert_tells_those_it_reached(world):
    alert, p = _sent_alert(world)
    stopped = _cancel(world, alert)
    assert stopped == 1  # the row still waiting
    assert alert.deliveries.get(member=p.waiting).status == Delivery.Status.CANCELLED
    notice = alert.cancel_notices.get()
    assert notice.status == Message.Status.PUBLISHED and notice.kind == alert.kind
    assert set(notice.deliveries.values_list("member_id", "channel", "status")) == {
        (p.nl.pk, "sms", "sent"),
        (p.nl.pk, "email", "sent"),
        (p.fr.pk, "sms", "sent"),
        (p.voice_mobile.pk, "sms", "sent"),  # a call: by SMS to the mobile
        (p.voice_landline.pk, "email", "sent"),  # no mobile: by email
        (p.landline_only.pk, "voice", "sent"),  # nothing else: called again
    }
    sms = {m.to: m.body for m in locmem.outbox if hasattr(m, "body")}
    # In each member's language, quoting the alert's words in that language.
    assert sms[str(p.fr.mobile_phone)].startswith(_expected_sms(alert, "fr"))
    assert sms[str(p.nl.mobile_phone)].startswith(_expected_sms(alert, "nl"))
    assert "Cambrioleurs actifs" in sms[str(p.fr.mobile_phone)]
    assert "Inbrekers actief" in sms[str(p.nl.mobile_phone)]
    assert str(p.failed.mobile_phone) not in sms and str(p.waiting.mobile_phone) not in sms
    emails = {m.to[0]: m for m in mail.outbox}
    assert emails[p.nl.email].subject == notice.texts["nl"]["subject"]
    assert emails[p.voice_landline.email].subject == notice.texts["fr"]["subject"]
    assert "Cambrioleurs actifs" in emails[p.voice_landline.email].body
    calls = [m for m in locmem.outbox if not hasattr(m, "body")]
    assert [c.to for c in calls] == [str(p.landline_only.landline)]
    assert calls[0].language == "nl" and calls[0].text == notice.texts["nl"]["sms"]


def test_members_who_stopped_a_channel_are_not_told_on_it(world):
    alert, p = _sent_alert(world)
    Member.objects.filter(pk=p.fr.pk).update(by_sms=False)  # texted STOP since
    Member.objects.filter(pk=p.voice_mobile.pk).update(status=Member.Status.LEFT)
    _cancel(world, alert)
    reached = set(alert.cancel_notices.get().deliveries.values_list("member_id", flat=True))
    assert p.fr.pk not in reached and p.voice_mobile.pk not in reached
    assert p.nl.pk in reached


def test_cancelling_before_anything_went_out_sends_no_notice(world):
    alert = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    message_publish(message=alert, published_by=world.users["officer"])  # fan-out not run
    _cancel(world, alert)
    assert not alert.cancel_notices.exists()
    assert not locmem.outbox and not mail.outbox


def test_a_cancel_notice_is_neither_updated_nor_noticed_again(world):
    alert, _p = _sent_alert(world)
    _cancel(world, alert)
    notice = alert.cancel_notices.get()
    with pytest.raises(ValidationError):
        message_update_draft(original=notice, created_by=world.users["officer"])
    _cancel(world, notice)
    assert not notice.cancel_notices.exists()


def test_the_officer_cancels_from_the_page_and_sees_the_notice(client, world):
    alert, _p = _sent_alert(world)
    client.force_login(world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("messaging:cancel", args=[alert.pk]), follow=True)
    notice = alert.cancel_notices.get()
    page = response.content.decode()
    assert "short cancel notice" in page
    assert reverse("messaging:detail", args=[notice.pk]) in page
    notice_page = client.get(reverse("messaging:detail", args=[notice.pk])).content.decode()
    assert reverse("messaging:detail", args=[alert.pk]) in notice_page
    # A notice is not updated or cancelled in turn.
    assert reverse("messaging:cancel", args=[notice.pk]) not in notice_page


def test_an_update_starts_from_the_original_and_reaches_those_it_reached(world):
    alert, p = _sent_alert(world)
    update = message_update_draft(original=alert, created_by=world.users["officer"])
    for code in ("nl", "fr"):
        with translation.override(code):
            prefix = _("Update from %(network)s:") % {"network": "BIN Oordegem"}
        assert update.texts[code]["sms"] == f"{prefix} {TEXTS[code]['sms']}"
    assert update.texts["fr"]["subject"].endswith("Cambriolages")
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_publish(message=update, published_by=world.users["officer"])
    assert set(update.deliveries.values_list("member_id", "channel")) == {
        (p.nl.pk, "sms"),
        (p.nl.pk, "email"),
        (p.fr.pk, "sms"),
        (p.voice_mobile.pk, "sms"),
        (p.voice_landline.pk, "email"),
        (p.landline_only.pk, "voice"),
        (p.waiting.pk, "sms"),  # still to be reached by the original: told too
    }
    sms = {m.to: m.body for m in locmem.outbox if hasattr(m, "body")}
    assert sms[str(p.fr.mobile_phone)].startswith(update.texts["fr"]["sms"])


# --- drafts: deleted, not cancelled --------------------------------------------


def test_a_draft_is_deleted_not_cancelled(client, world):
    draft = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    client.force_login(world.users["officer"])
    client.post(reverse("messaging:cancel", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT  # the page cancels published messages only
    message_draft_delete(message=draft, deleted_by=world.users["officer"])
    assert not Message.objects.filter(pk=draft.pk).exists()


def test_only_a_draft_is_deleted(world):
    published = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    message_publish(message=published, published_by=world.users["officer"])
    with pytest.raises(ValidationError):
        message_draft_delete(message=published, deleted_by=world.users["officer"])
    pending = MessageFactory(
        created_by=world.users["coordinator"],
        networks=[world.network],
        status=Message.Status.PENDING_APPROVAL,
    )
    with pytest.raises(ValidationError):
        message_draft_delete(message=pending, deleted_by=world.users["officer"])
    assert Message.objects.filter(pk__in=[published.pk, pending.pk]).count() == 2


def test_the_delete_button_is_on_the_draft_page_of_those_who_may(client, world):
    draft = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    url = reverse("messaging:delete", args=[draft.pk])
    client.force_login(world.users["officer"])
    assert url in client.get(reverse("messaging:detail", args=[draft.pk])).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("messaging:network", args=[world.network.slug])
    assert not Message.objects.filter(pk=draft.pk).exists()
    published = MessageFactory(created_by=world.users["officer"], networks=[world.network])
    message_publish(message=published, published_by=world.users["officer"])
    page = client.get(reverse("messaging:detail", args=[published.pk])).content.decode()
    assert reverse("messaging:delete", args=[published.pk]) not in page
    assert client.post(reverse("messaging:delete", args=[published.pk])).status_code == 403


def test_a_cancel_notice_is_no_alert_awaiting_feedback(world):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.forms.messages import MessageForm
    from messaging.selectors.messages import alerts_without_feedback
    from networks.models import Network

    alert, _p = _sent_alert(world)
    _cancel(world, alert)
    notice = alert.cancel_notices.get()
    Message.objects.filter(pk=notice.pk).update(published_at=timezone.now() - timedelta(days=2))
    networks = Network.objects.filter(pk=world.network.pk)
    assert notice not in alerts_without_feedback(networks=networks)
    form = MessageForm(user=world.users["officer"])
    assert notice not in form.fields["follows"].queryset
