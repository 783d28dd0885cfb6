"""Regressions found in review: signatures bound to the text shown, invitations
that follow their meeting, hand-over and removal keeping charter and drafts
consistent, and screening outcomes kept from the coordinator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from charters.models import CharterSignature, CharterVersion, GovernanceEvent, Meeting
from charters.services.charter import charter_edit, charter_sign
from charters.services.governance import coordinator_remove, network_hand_over, screening_record
from charters.services.meetings import meeting_close, meeting_invite, meeting_save
from messaging.models import Message
from networks.models import Network
from networks.selectors import forget_user_roles
from tests.factories import charter_signed, charter_submitted


def _active(world):
    Network.objects.filter(pk=world.network.pk).update(status=Network.Status.ACTIVE)
    world.network.refresh_from_db()


def _meeting(world, days=10):
    return Meeting.objects.create(
        network=world.network,
        kind=Meeting.Kind.MEMBER_MEETING,
        starts_at=timezone.now() + timedelta(days=days),
        place="Parochiezaal",
        agenda="Jaarverslag",
    )


def test_a_signature_is_refused_on_text_changed_after_the_page_was_read(client, world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    client.force_login(world.users["municipal"])
    page = client.get(reverse("charters:version", args=[world.network.slug, version.number]))
    sign_url = page.context["stamp"] and reverse(
        "charters:sign", args=[world.network.slug, version.number]
    )
    seen = page.context["stamp"]
    # Meanwhile the co-coordinator rewrites the (not yet signed) version.
    charter_edit(
        version=version,
        edited_by=world.users["co_coordinator"],
        house_rules="Members must patrol at night.",
    )
    response = client.post(
        sign_url,
        {"party": "municipality", "name": "An", "role_title": "Schepen", "confirm": "on",
         "seen": seen},
    )  # fmt: skip
    assert response.status_code == 200
    assert "changed after you opened it" in str(response.context["form"].non_field_errors())
    assert not CharterSignature.objects.exists()
    # Read again, then sign: accepted.
    page = client.get(reverse("charters:version", args=[world.network.slug, version.number]))
    response = client.post(
        sign_url,
        {"party": "municipality", "name": "An", "role_title": "Schepen", "confirm": "on",
         "seen": page.context["stamp"]},
    )  # fmt: skip
    assert response.status_code == 302
    assert CharterSignature.objects.get().version.house_rules == "Members must patrol at night."


def test_the_sign_link_carries_the_text_read(client, world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    client.force_login(world.users["municipal"])
    page = client.get(reverse("charters:version", args=[world.network.slug, version.number]))
    link = reverse("charters:sign", args=[world.network.slug, version.number])
    assert f"{link}?seen=" in page.content.decode()


def test_moving_a_meeting_withdraws_its_unsent_invitation(world):
    _active(world)
    meeting = _meeting(world)
    officer = world.users["officer"]
    draft = meeting_invite(meeting=meeting, by=officer, by_email=True)
    meeting_save(
        network=world.network, by=officer, meeting=meeting, kind=meeting.kind,
        starts_at=timezone.now() + timedelta(days=40), place="Elders", agenda="",
    )  # fmt: skip
    draft.refresh_from_db()
    assert draft.status == Message.Status.CANCELLED
    # A new invitation tells the new place.
    fresh = meeting_invite(meeting=meeting, by=officer, by_email=True)
    assert fresh.pk != draft.pk
    assert "Elders" in fresh.texts[world.network.default_language]["body"]


def test_saving_a_meeting_unchanged_keeps_its_invitation(world):
    _active(world)
    meeting = _meeting(world)
    officer = world.users["officer"]
    draft = meeting_invite(meeting=meeting, by=officer, by_email=True)
    meeting_save(
        network=world.network, by=officer, meeting=meeting, kind=meeting.kind,
        starts_at=meeting.starts_at, place=meeting.place, agenda=meeting.agenda,
    )  # fmt: skip
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT


def test_cancelling_a_meeting_withdraws_an_invitation_awaiting_approval(world):
    from messaging.services.lifecycle import message_publish

    _active(world)
    meeting = _meeting(world)
    draft = meeting_invite(meeting=meeting, by=world.users["officer"], by_email=True)
    meeting_close(meeting=meeting, by=world.users["officer"], status="cancelled")
    draft.refresh_from_db()
    assert draft.status == Message.Status.CANCELLED
    with pytest.raises(ValidationError):
        message_publish(message=draft, published_by=world.users["officer"])


def test_an_invitation_draft_of_someone_who_left_does_not_block_the_new_team(world):
    _active(world)
    meeting = _meeting(world)
    old, new = world.users["coordinator"], world.users["co_coordinator"]
    stale = meeting_invite(meeting=meeting, by=old, by_email=True)
    network_hand_over(
        network=world.network, to_user=new, by=old, previous_stays=False, accept_unscreened=True
    )
    forget_user_roles(user=new)
    forget_user_roles(user=old)
    fresh = meeting_invite(meeting=meeting, by=new, by_email=True)
    stale.refresh_from_db()
    assert stale.status == Message.Status.CANCELLED
    assert fresh.created_by == new and Meeting.objects.get(pk=meeting.pk).invitation == fresh


def test_a_removed_coordinators_signature_is_voided(world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    charter_sign(
        version=version, user=world.users["coordinator"], party="coordinator", name="C",
        role_title="Coordinator",
    )  # fmt: skip
    coordinator_remove(
        network=world.network, user=world.users["coordinator"], reason="Breach of house rules",
        by=world.users["officer"],
    )  # fmt: skip
    charter_sign(
        version=version, user=world.users["officer"], party="officer", name="O",
        role_title="Inspector",
    )  # fmt: skip
    charter_sign(
        version=version, user=world.users["municipal"], party="municipality", name="M",
        role_title="Mayor",
    )  # fmt: skip
    version.refresh_from_db()
    assert version.status == CharterVersion.Status.SUBMITTED  # the coordinator must sign again
    assert CharterSignature.objects.get(party="coordinator").voided_at is not None
    assert GovernanceEvent.objects.filter(action=GovernanceEvent.Action.CHARTER_VOIDED).exists()


def test_after_a_hand_over_the_new_coordinator_signs(world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    old, new = world.users["coordinator"], world.users["co_coordinator"]
    charter_sign(version=version, user=old, party="coordinator", name="C", role_title="C")
    network_hand_over(
        network=world.network, to_user=new, by=old, previous_stays=True, accept_unscreened=True
    )
    forget_user_roles(user=new)
    charter_sign(version=version, user=new, party="coordinator", name="N", role_title="C")
    assert version.signatures.filter(voided_at__isnull=True, party="coordinator").get().user == new


def test_a_refused_screening_is_not_named_to_the_coordinator(client, world):
    screening_record(
        network=world.network, user=world.users["co_coordinator"], consent_on=date(2026, 1, 5),
        outcome="refused", decided_on=date(2026, 1, 6), recorded_by=world.users["officer"],
    )  # fmt: skip
    client.force_login(world.users["coordinator"])
    url = reverse("charters:governance:hand_over", kwargs={"slug": world.network.slug})
    response = client.post(
        url,
        {"to_user": world.users["co_coordinator"].pk, "previous_stays": "stay",
         "accept_unscreened": "on"},
    )  # fmt: skip
    body = response.content.decode()
    assert "refused" not in body and "contact the mandated officer" in body


def test_handing_over_and_leaving_lands_on_a_page_the_user_may_see(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("charters:governance:hand_over", kwargs={"slug": world.network.slug})
    response = client.post(
        url,
        {"to_user": world.users["co_coordinator"].pk, "previous_stays": "leave",
         "accept_unscreened": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_an_invitation_by_a_channel_the_plan_forbids_is_refused_at_once(world):
    charter_signed(
        world.network, coordinator=world.users["coordinator"], officer=world.users["officer"],
        municipal=world.users["municipal"],
    )  # fmt: skip
    world.network.refresh_from_db()
    meeting = _meeting(world)
    with pytest.raises(ValidationError) as refused:
        meeting_invite(meeting=meeting, by=world.users["officer"], by_email=True, by_sms=True)
    assert "by_sms" in refused.value.message_dict
    assert Meeting.objects.get(pk=meeting.pk).invitation is None


@pytest.mark.django_db(transaction=True)
def test_signing_is_one_transaction(world, monkeypatch):
    """Outside a test's own transaction, as in a request: the row locks need
    one (PostgreSQL refuses SELECT ... FOR UPDATE without), and a failure
    after the signature leaves nothing behind."""
    version = charter_submitted(world.network, by=world.users["coordinator"])
    charter_sign(
        version=version, user=world.users["coordinator"], party="coordinator", name="C",
        role_title="Coordinator",
    )  # fmt: skip
    assert version.signatures.count() == 1

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(GovernanceEvent.objects, "create", fail)
    with pytest.raises(RuntimeError):
        charter_sign(
            version=version, user=world.users["officer"], party="officer", name="O",
            role_title="Inspector",
        )  # fmt: skip
    assert version.signatures.count() == 1  # the officer's signature was rolled back
