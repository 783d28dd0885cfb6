"""Coordinator governance: screening, hand-over, removal, the governance page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from charters.models import GovernanceEvent, Meeting, ScreeningRecord, Sign
from charters.services.governance import coordinator_remove, network_hand_over, screening_record
from messaging.models import Message
from networks.models import Role, RoleAssignment
from networks.selectors import user_roles


def _roles(world, user) -> set[str]:
    return set(
        RoleAssignment.objects.active()
        .filter(user=user, network=world.network)
        .values_list("role", flat=True)
    )


def _screen(world, user, outcome=ScreeningRecord.Outcome.ACCEPTED):
    return screening_record(
        network=world.network,
        user=user,
        consent_on=date(2026, 1, 5),
        outcome=outcome,
        decided_on=None if outcome == "pending" else date(2026, 2, 1),
        recorded_by=world.users["officer"],
    )


# --- Screening -------------------------------------------------------------------------


def test_officer_records_screening_and_it_is_logged(world):
    coordinator = world.users["coordinator"]
    record = _screen(world, coordinator, ScreeningRecord.Outcome.PENDING)
    assert record.decided_on is None
    event = GovernanceEvent.objects.get(action=GovernanceEvent.Action.SCREENING)
    assert event.subject_user == coordinator and event.actor == world.users["officer"]
    # Same consent date: the record is updated, not duplicated.
    _screen(world, coordinator)
    record = ScreeningRecord.objects.get(user=coordinator)
    assert record.outcome == ScreeningRecord.Outcome.ACCEPTED
    assert record.decided_on == date(2026, 2, 1)
    assert GovernanceEvent.objects.filter(action="screening").count() == 2


@pytest.mark.parametrize("role", ["coordinator", "co_coordinator", "steering", "municipal"])
def test_only_the_officer_records_screenings(world, role):
    with pytest.raises(PermissionDenied):
        screening_record(
            network=world.network,
            user=world.users["coordinator"],
            consent_on=date(2026, 1, 5),
            outcome="accepted",
            decided_on=date(2026, 1, 6),
            recorded_by=world.users[role],
        )
    assert not ScreeningRecord.objects.exists()


def test_screening_is_for_coordinators_only_and_dates_are_checked(world):
    with pytest.raises(ValidationError) as exc:
        _screen(world, world.users["steering"])
    assert "user" in exc.value.message_dict
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        screening_record(
            network=world.network, user=world.users["coordinator"], consent_on=tomorrow,
            outcome="accepted", decided_on=None, recorded_by=world.users["officer"],
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"consent_on", "decided_on"}
    with pytest.raises(ValidationError) as exc:
        screening_record(
            network=world.network, user=world.users["coordinator"], consent_on=date(2026, 2, 1),
            outcome="refused", decided_on=date(2026, 1, 1), recorded_by=world.users["officer"],
        )  # fmt: skip
    assert "decided_on" in exc.value.message_dict


def test_screening_form_shows_errors_next_to_fields(client, world):
    client.force_login(world.users["officer"])
    url = reverse(
        "charters:governance:screening",
        kwargs={"slug": world.network.slug, "user_id": world.users["coordinator"].pk},
    )
    response = client.post(url, {"consent_on": "2026-01-05", "outcome": "accepted"})
    assert response.status_code == 200
    assert "decided_on" in response.context["form"].errors
    response = client.post(
        url, {"consent_on": "2026-01-05", "outcome": "accepted", "decided_on": "2026-01-20"}
    )
    assert response.status_code == 302
    assert ScreeningRecord.objects.get().outcome == "accepted"


def test_screening_of_someone_without_coordinator_role_is_404(client, world):
    client.force_login(world.users["officer"])
    url = reverse(
        "charters:governance:screening",
        kwargs={"slug": world.network.slug, "user_id": world.users["steering"].pk},
    )
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_accepted", "sees_refused"),
    [
        ("officer", True, True),
        ("admin", True, True),
        # Screening outcomes are police business, not even the person's own.
        ("coordinator", False, False),
        ("steering", False, False),
        ("municipal", False, False),
    ],
)
def test_screening_outcomes_on_the_governance_page(
    client, world, role, sees_accepted, sees_refused
):
    _screen(world, world.users["coordinator"], ScreeningRecord.Outcome.ACCEPTED)
    _screen(world, world.users["co_coordinator"], ScreeningRecord.Outcome.REFUSED)
    client.force_login(world.users[role])
    response = client.get(
        reverse("charters:governance:overview", kwargs={"slug": world.network.slug})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert ('badge text-bg-success">Accepted' in body) is sees_accepted
    assert ('badge text-bg-danger">Refused' in body) is sees_refused
    # Everyone on the page sees that the co-coordinator's role is not
    # effective, never why.
    assert "Awaiting screening" in body


# --- Hand-over -------------------------------------------------------------------------


def test_hand_over_swaps_roles_in_one_go_and_logs_it(world):
    old, new = world.users["coordinator"], world.users["co_coordinator"]
    _screen(world, new)
    network_hand_over(network=world.network, to_user=new, by=old, reason="Moving to Ghent")
    assert _roles(world, new) == {Role.COORDINATOR}
    assert _roles(world, old) == {Role.CO_COORDINATOR}
    event = GovernanceEvent.objects.get(action=GovernanceEvent.Action.HANDOVER)
    assert event.subject_user == new and event.actor == old
    assert "Moving to Ghent" in event.detail
    # The role history keeps who held what.
    revoked = RoleAssignment.objects.get(user=old, role=Role.COORDINATOR)
    assert revoked.revoked_at is not None and revoked.revoked_by == old


def test_previous_coordinator_may_leave(world):
    old, new = world.users["coordinator"], world.users["co_coordinator"]
    _screen(world, new)
    network_hand_over(network=world.network, to_user=new, by=old, previous_stays=False)
    assert _roles(world, old) == set()
    assert "left the team" in GovernanceEvent.objects.get(action="handover").detail


def test_new_coordinator_reaches_everything_of_the_network(client, world):
    """Members, messages, meetings and signs belong to the network, not to a person."""
    old, new = world.users["coordinator"], world.users["co_coordinator"]
    message = Message.objects.create(kind="info", texts={"nl": {"sms": "Hallo"}}, created_by=old)
    message.networks.set([world.network])
    meeting = Meeting.objects.create(
        network=world.network, kind="member_meeting", place="Zaal Familia",
        starts_at=timezone.now() + timedelta(days=5), created_by=old,
    )  # fmt: skip
    Sign.objects.create(network=world.network, street="Kerkstraat", house_number="7")
    _screen(world, new)
    network_hand_over(network=world.network, to_user=new, by=old, previous_stays=False)
    client.force_login(new)
    slug = {"slug": world.network.slug}
    members = client.get(reverse("members:list", kwargs=slug))
    assert members.status_code == 200
    assert world.member.last_name in members.content.decode()
    messages_page = client.get(reverse("messaging:network", kwargs=slug))
    assert messages_page.status_code == 200
    assert client.get(reverse("messaging:detail", args=[message.pk])).status_code == 200
    meeting_page = client.get(
        reverse("charters:governance:meeting_detail", kwargs={**slug, "pk": meeting.pk})
    )
    assert "Zaal Familia" in meeting_page.content.decode()
    assert (
        "Kerkstraat 7"
        in client.get(reverse("charters:governance:signs", kwargs=slug)).content.decode()
    )
    assert user_roles(user=new).coordinator_of == frozenset({world.network.pk})
    # The old coordinator, gone, reaches nothing any more.
    client.force_login(old)
    assert client.get(reverse("members:list", kwargs=slug)).status_code == 403


def test_hand_over_only_to_an_active_co_coordinator(world):
    for target in ("steering", "officer", "coordinator_other"):
        with pytest.raises(ValidationError) as exc:
            network_hand_over(
                network=world.network,
                to_user=world.users[target],
                by=world.users["coordinator"],
                accept_unscreened=True,
            )
        assert "to_user" in exc.value.message_dict
    assert _roles(world, world.users["coordinator"]) == {Role.COORDINATOR}


@pytest.mark.parametrize("role", ["co_coordinator", "steering", "municipal", "officer_other"])
def test_who_may_not_hand_over(world, role):
    with pytest.raises(PermissionDenied):
        network_hand_over(
            network=world.network,
            to_user=world.users["co_coordinator"],
            by=world.users[role],
            accept_unscreened=True,
        )


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officer_and_admin_hand_over(world, role):
    network_hand_over(
        network=world.network,
        to_user=world.users["co_coordinator"],
        by=world.users[role],
        accept_unscreened=True,
    )
    assert _roles(world, world.users["co_coordinator"]) == {Role.COORDINATOR}
    assert _roles(world, world.users["coordinator"]) == {Role.CO_COORDINATOR}


def test_screening_decides_the_hand_over(world):
    new = world.users["co_coordinator"]
    kwargs = {"network": world.network, "to_user": new, "by": world.users["coordinator"]}
    # Not screened: only with an explicit confirmation, and the log says so.
    with pytest.raises(ValidationError) as exc:
        network_hand_over(**kwargs)
    assert "accept_unscreened" in exc.value.message_dict
    # Refused: never, even with the confirmation.
    _screen(world, new, ScreeningRecord.Outcome.REFUSED)
    with pytest.raises(ValidationError):
        network_hand_over(**kwargs, accept_unscreened=True)
    assert _roles(world, new) == {Role.CO_COORDINATOR}
    ScreeningRecord.objects.all().delete()
    network_hand_over(**kwargs, accept_unscreened=True)
    assert "completes the screening" in GovernanceEvent.objects.get(action="handover").detail


def test_hand_over_page(client, world):
    _screen(world, world.users["co_coordinator"])
    client.force_login(world.users["coordinator"])
    url = reverse("charters:governance:hand_over", kwargs={"slug": world.network.slug})
    page = client.get(url)
    assert world.users["co_coordinator"].last_name in page.content.decode()
    assert "screening accepted" in page.content.decode()
    response = client.post(
        url,
        {"to_user": world.users["co_coordinator"].pk, "previous_stays": "stay", "reason": "Ok"},
    )
    assert response.status_code == 302
    assert _roles(world, world.users["co_coordinator"]) == {Role.COORDINATOR}


def test_hand_over_page_asks_confirmation_without_screening(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("charters:governance:hand_over", kwargs={"slug": world.network.slug})
    response = client.post(
        url, {"to_user": world.users["co_coordinator"].pk, "previous_stays": "stay"}
    )
    assert response.status_code == 200
    assert "accept_unscreened" in response.context["form"].errors
    assert _roles(world, world.users["coordinator"]) == {Role.COORDINATOR}


# --- Removal ---------------------------------------------------------------------------


def test_officer_removes_a_coordinator_with_a_reason(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError) as exc:
        coordinator_remove(
            network=world.network, user=coordinator, reason="  ", by=world.users["officer"]
        )
    assert "reason" in exc.value.message_dict
    coordinator_remove(
        network=world.network,
        user=coordinator,
        reason="Did not respect the house rules",
        by=world.users["officer"],
    )
    assert _roles(world, coordinator) == set()
    event = GovernanceEvent.objects.get(action=GovernanceEvent.Action.COORDINATOR_REMOVED)
    assert event.detail == "Did not respect the house rules"
    assert event.subject_user == coordinator


@pytest.mark.parametrize("role", ["coordinator", "co_coordinator", "steering", "municipal"])
def test_only_officer_or_admin_removes(world, role):
    with pytest.raises(PermissionDenied):
        coordinator_remove(
            network=world.network,
            user=world.users["co_coordinator"],
            reason="x",
            by=world.users[role],
        )
    assert _roles(world, world.users["co_coordinator"]) == {Role.CO_COORDINATOR}


def test_removal_hands_over_first_when_asked(client, world):
    _screen(world, world.users["co_coordinator"])
    client.force_login(world.users["officer"])
    url = reverse(
        "charters:governance:remove",
        kwargs={"slug": world.network.slug, "user_id": world.users["coordinator"].pk},
    )
    page = client.get(url)
    assert "successor" in page.context["form"].fields
    response = client.post(
        url, {"reason": "Stopped answering", "successor": world.users["co_coordinator"].pk}
    )
    assert response.status_code == 302
    assert _roles(world, world.users["coordinator"]) == set()
    assert _roles(world, world.users["co_coordinator"]) == {Role.COORDINATOR}
    actions = list(GovernanceEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["handover", "coordinator_removed"]


def test_removal_form_keeps_the_input_on_error(client, world):
    client.force_login(world.users["officer"])
    url = reverse(
        "charters:governance:remove",
        kwargs={"slug": world.network.slug, "user_id": world.users["coordinator"].pk},
    )
    response = client.post(
        url, {"reason": "Stopped answering", "successor": world.users["co_coordinator"].pk}
    )
    assert response.status_code == 200  # successor not screened, not confirmed
    assert "accept_unscreened" in response.context["form"].errors
    assert "Stopped answering" in response.content.decode()
    assert _roles(world, world.users["coordinator"]) == {Role.COORDINATOR}


def test_governance_page_lists_team_and_log(client, world):
    client.force_login(world.users["steering"])
    _screen(world, world.users["coordinator"])
    body = client.get(
        reverse("charters:governance:overview", kwargs={"slug": world.network.slug})
    ).content.decode()
    for role in ("coordinator", "co_coordinator", "steering"):
        assert world.users[role].last_name in body
    assert "Screening recorded" in body
    # The steering committee neither records nor removes.
    assert "Record screening" not in body and "Remove" not in body


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("officer", True), ("admin", True), ("coordinator", False), ("co_coordinator", False),
        ("steering", False), ("municipal", False), ("officer_other", False),
    ],
)  # fmt: skip
def test_remove_post_matrix(client, world, role, allowed):
    client.force_login(world.users[role])
    url = reverse(
        "charters:governance:remove",
        kwargs={"slug": world.network.slug, "user_id": world.users["co_coordinator"].pk},
    )
    response = client.post(url, {"reason": "Test"})
    assert _roles(world, world.users["co_coordinator"]) == (
        set() if allowed else {"co_coordinator"}
    )
    assert response.status_code == (302 if allowed else 403)
