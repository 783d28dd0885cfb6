"""The role matrix's POST half: actions that change something, tried by
every role; those not allowed change nothing (the GET half, with every URL,
is tests/test_role_matrix.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MessageFactory
from tests.test_role_matrix import (
    ALL_ROLES,
    AUDIT,
    MEMBER_DATA,
    NETWORK_EDIT,
    _client_for,
    _member,
    _slug,
    _start_request,
)


@pytest.fixture
def world(shared_world):
    # One world per module, each case in a savepoint (tests/conftest.py).
    return shared_world


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_revoke_post_matrix(client, world, role):
    """Removing the steering member's role: admin, the coordinator and the zone's
    officer may; everyone else is refused and the role stays."""
    from networks.models import RoleAssignment

    assignment = RoleAssignment.objects.get(user=world.users["steering"])
    url = reverse("networks:role_revoke", kwargs={"slug": world.network.slug, "pk": assignment.pk})
    response = _client_for(client, world, role).post(url)
    assignment.refresh_from_db()
    if role in ("admin", "coordinator", "officer", "steering"):
        assert response.status_code == 302
        assert assignment.revoked_at is not None
    else:
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
        assert assignment.revoked_at is None


@pytest.mark.parametrize("role", ALL_ROLES)
def test_draft_delete_post_matrix(client, world, role):
    """Deleting a draft (cancelling a draft deletes it): whoever may edit it.
    An officer's draft: the zone's officer and admins; a coordinator's own
    draft: its writer too. Everyone else is refused and the draft stays."""
    from messaging.models import Message

    officers = MessageFactory(created_by=world.users["officer_other"], networks=[world.network])
    coordinators = MessageFactory(
        kind=Message.Kind.PREVENTION,
        created_by=world.users["coordinator"],
        networks=[world.network],
    )
    client = _client_for(client, world, role)
    for draft, allowed in (
        (officers, {"admin", "officer"}),
        (coordinators, {"admin", "officer", "coordinator"}),
    ):
        response = client.post(reverse("messaging:delete", kwargs={"pk": draft.pk}))
        exists = Message.objects.filter(pk=draft.pk).exists()
        if role in allowed:
            assert response.status_code == 302, (role, draft.created_by)
            assert not exists
        else:
            assert response.status_code in (302, 403, 404)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("account_login"))
            assert exists, (role, draft.created_by)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_member_action_post_matrix(client, world, role):
    """Suspending a member, alone or in bulk: only those who manage members may."""
    from members.models import Member

    member = world.member
    one = reverse("members:action", kwargs={**_member(world), "action": "suspend"})
    bulk = reverse("members:bulk", kwargs=_slug(world))
    client = _client_for(client, world, role)
    for url, data in ((one, {}), (bulk, {"action": "suspend", "members": [member.pk]})):
        Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
        response = client.post(url, data)
        member.refresh_from_db()
        if role in MEMBER_DATA:
            assert response.status_code == 302
            assert member.status == Member.Status.SUSPENDED, (role, url)
        else:
            assert member.status == Member.Status.ACTIVE, (role, url)
            if role == "anonymous":
                assert response["Location"].startswith(reverse("account_login"))
            else:
                assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_charter_post_matrix(client, world, role):
    """Starting and submitting a charter version: those who edit the charter only."""
    from charters.models import CharterVersion

    client = _client_for(client, world, role)
    response = client.post(reverse("charters:start", kwargs=_slug(world)))
    version = CharterVersion.objects.filter(network=world.network).first()
    if role in NETWORK_EDIT:
        assert response.status_code == 302 and version is not None
        response = client.post(
            reverse("charters:submit", kwargs={**_slug(world), "number": version.number})
        )
        version.refresh_from_db()
        assert version.status == CharterVersion.Status.SUBMITTED, role
    else:
        assert version is None
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_contact_change_decide_post_matrix(client, world, role):
    """Accepting a member's new address outside the area: those who manage
    members only; everyone else is refused and the address stays."""
    from members.models import ContactChange
    from members.services.contact_changes import contact_address_change

    change = contact_address_change(
        member=world.member, street="Stationsstraat", house_number="4", postcode="9340",
        outside_confirmed=True,
    )  # fmt: skip
    url = reverse("members:contact_change_decide", kwargs={**_slug(world), "pk": change.pk})
    response = _client_for(client, world, role).post(url, {"decision": "accept"})
    change.refresh_from_db()
    if role in MEMBER_DATA:
        assert response.status_code == 302
        assert change.status == ContactChange.Status.APPLIED, role
    else:
        assert change.status == ContactChange.Status.AWAITING_DECISION, role
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_start_request_post_matrix(client, world, role):
    """Opening a network from a request or declining it: the zone's officer
    and admins; the interest list's invitation to an information evening:
    those who manage the network's meetings. Everyone else changes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from charters.models import InterestEntry, Meeting, StartRequest
    from networks.models import Network

    start = _start_request(world)["pk"]
    _client_for(client, world, role)
    response = client.post(
        reverse("starting:request_decline", kwargs={"pk": start}), {"decline-reason": "Nee"}
    )
    declined = StartRequest.objects.get(pk=start).status == "declined"
    assert declined == (role in AUDIT), role
    if not declined:
        assert response.status_code in (302, 403, 404)
    start = _start_request(world)["pk"]
    client.post(
        reverse("starting:request_open", kwargs={"pk": start}),
        {"open-name": "BIN Kerkwijk", "open-kind": "bin", "open-languages": ["nl"]},
    )
    assert (StartRequest.objects.get(pk=start).status == "opened") == (role in AUDIT), role
    Network.objects.filter(pk=world.network.pk).update(status="preparing")
    InterestEntry.objects.create(
        network=world.network, name="Jan", street="Kerkstraat", email="jan@example.org",
        token_hash="1" * 64, email_verified_at=timezone.now(),
    )  # fmt: skip
    meeting = Meeting.objects.create(
        network=world.network, kind="info_evening", place="Zaal",
        starts_at=timezone.now() + timedelta(days=5),
    )  # fmt: skip
    client.post(
        reverse("starting:meeting_invite_interest", kwargs={**_slug(world), "pk": meeting.pk})
    )
    assert meeting.interest_invitations.exists() == (role in NETWORK_EDIT), role
