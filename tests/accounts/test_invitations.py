from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffInvitation, User
from accounts.services import invitation_create, invitation_send, invitation_send_pending
from networks.models import Role, RoleAssignment
from networks.selectors import user_roles

LINK = re.compile(r"http://[^\s\"]+/invitations/([\w-]+)/")


def _link_token(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _invite(world, *, inviter="officer", role=Role.COORDINATOR, email="new@example.org"):
    # The send is queued on commit; run those callbacks as a commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = invitation_create(
            invited_by=world.users[inviter],
            email=email,
            role=role,
            network=world.network,
            language="nl",
        )
    return invitation


@pytest.mark.django_db(transaction=True)
def test_officer_invites_coordinator_who_creates_account(client, world):
    invitation = _invite(world)
    # The email went out after commit, in Dutch, with a working link.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert "Coördinator" in message.subject or "Coordinator" in message.subject
    token = _link_token(message)
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.SENT
    assert invitation.token_hash and token not in invitation.token_hash

    url = reverse("accounts:invitation_accept", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "first_name": "Ann",
            "last_name": "Peeters",
            "password1": "a long passphrase 2026",
            "password2": "a long passphrase 2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.get_full_name() == "Ann Peeters"
    assert EmailAddress.objects.get(user=user).verified
    # The role is held, and effective once the officer records the screening.
    assert world.network.id in user_roles(user=user).awaiting_screening_of
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.granted_by == world.users["officer"]
    # Signed in, and sent to set up MFA before any network page opens.
    follow = client.get(reverse("networks:detail", kwargs={"slug": world.network.slug}))
    assert follow.status_code == 302
    assert follow["Location"] == reverse("accounts:mfa_required")
    # The link works once.
    client.logout()
    assert client.get(url).status_code == 404


def test_weak_password_is_refused_next_to_the_field(client, world):
    _invite(world)
    token = _link_token(mail.outbox[0])
    url = reverse("accounts:invitation_accept", args=[token])
    response = client.post(
        url,
        {"first_name": "A", "last_name": "B", "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="new@example.org").exists()


def test_mismatched_passwords(client, world):
    _invite(world)
    token = _link_token(mail.outbox[0])
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {
            "first_name": "A",
            "last_name": "B",
            "password1": "a long passphrase 2026",
            "password2": "another long passphrase",
        },
    )
    assert "password2" in response.context["form"].errors


def test_expired_invitation_is_refused(client, world):
    invitation = _invite(world)
    token = _link_token(mail.outbox[0])
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_unknown_token(client, db):
    assert client.get(reverse("accounts:invitation_accept", args=["nope"])).status_code == 404


def test_existing_account_accepts_while_signed_in(client, world):
    existing = world.users["member"]
    _invite(world, role=Role.STEERING, email=existing.email, inviter="coordinator")
    token = _link_token(mail.outbox[0])
    client.force_login(existing)
    response = client.post(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 302
    assert world.network.id in user_roles(user=existing).steering_of


def test_wrong_account_signed_in(client, world):
    _invite(world)
    token = _link_token(mail.outbox[0])
    client.force_login(world.users["member"])
    response = client.get(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 403


def test_who_may_invite_whom(world):
    # A coordinator invites co-coordinators and steering members, not coordinators.
    _invite(world, inviter="coordinator", role=Role.CO_COORDINATOR)
    with pytest.raises(PermissionDenied):
        _invite(world, inviter="coordinator", role=Role.COORDINATOR, email="x@example.org")
    # An officer of another zone cannot invite into this network.
    with pytest.raises(PermissionDenied):
        _invite(world, inviter="officer_other", email="y@example.org")
    # Municipal staff and co-coordinators grant nothing.
    for inviter in ("municipal", "co_coordinator", "steering", "federal"):
        with pytest.raises(PermissionDenied):
            _invite(world, inviter=inviter, role=Role.STEERING, email=f"{inviter}@example.org")
    # Nobody invites themselves.
    with pytest.raises(ValidationError):
        _invite(world, email=world.users["officer"].email)


def test_inviter_who_lost_the_role_cannot_pass_it_on(client, world):
    _invite(world)
    token = _link_token(mail.outbox[0])
    RoleAssignment.objects.filter(user=world.users["officer"]).update(revoked_at=timezone.now())
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {
            "first_name": "A",
            "last_name": "B",
            "password1": "a long passphrase 2026",
            "password2": "a long passphrase 2026",
        },
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user__email="new@example.org").exists()
    assert not User.objects.filter(email="new@example.org").exists()


def test_invitation_form_and_withdrawal(client, world):
    client.force_login(world.users["officer"])
    url = reverse("accounts:invitations")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            url,
            {"email": "coord@example.org", "role": Role.COORDINATOR, "network": world.network.pk,
             "language": "fr"},
        )  # fmt: skip
    assert response.status_code == 302
    invitation = StaffInvitation.objects.get(email="coord@example.org")
    assert invitation.language == "fr"
    # A network role without a network gets an error next to the network field.
    response = client.post(
        url, {"email": "x@example.org", "role": Role.COORDINATOR, "language": "nl"}
    )
    assert response.status_code == 200
    assert "network" in response.context["form"].errors
    # The other zone's network is not even offered.
    response = client.post(
        url,
        {"email": "z@example.org", "role": Role.COORDINATOR,
         "network": world.other_network.pk, "language": "nl"},
    )  # fmt: skip
    assert "network" in response.context["form"].errors
    # Withdraw: the link stops working.
    token = _link_token(mail.outbox[0])
    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.REVOKED
    client.logout()
    assert client.get(reverse("accounts:invitation_accept", args=[token])).status_code == 404


def test_others_cannot_withdraw(client, world):
    invitation = _invite(world)
    client.force_login(world.users["officer_other"])
    response = client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.SENT


def test_failed_send_is_recorded_and_swept_later(world, settings, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def broken(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    _invite(world)  # creating the invitation succeeds; only the send failed
    invitation = StaffInvitation.objects.get(email="new@example.org")
    assert invitation.status == StaffInvitation.Status.FAILED
    assert "smtp down" in invitation.last_error
    monkeypatch.undo()
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert invitation_send_pending() == [invitation.pk]
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.SENT
    assert len(mail.outbox) == 1


def test_sending_twice_sends_once(world):
    invitation = _invite(world)
    invitation_send(invitation_id=invitation.pk)
    assert len(mail.outbox) == 1


def test_open_signup_is_closed(client, db):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
        },
    )
    assert not User.objects.filter(email="x@example.org").exists()


def _smtp_down(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise OSError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)


def test_failed_invitation_can_be_withdrawn_and_is_not_resent(client, world, monkeypatch):
    _smtp_down(monkeypatch)
    invitation = _invite(world)
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.FAILED
    client.force_login(world.users["officer"])
    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.REVOKED
    monkeypatch.undo()
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert invitation_send_pending() == []
    assert mail.outbox == []


def test_a_new_invitation_replaces_a_failed_one(world, monkeypatch):
    _smtp_down(monkeypatch)
    first = _invite(world)
    monkeypatch.undo()
    second = _invite(world)
    first.refresh_from_db()
    assert first.status == StaffInvitation.Status.REVOKED
    assert StaffInvitation.objects.get(pk=second.pk).status == StaffInvitation.Status.SENT


def test_weak_password_error_sits_under_the_field_in_french(client, world):
    _invite(world)
    token = _link_token(mail.outbox[0])
    client.cookies["django_language"] = "fr"
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"first_name": "A", "last_name": "B", "password1": "court", "password2": "court"},
    )
    errors = response.context["form"].errors
    assert "password1" in errors and "__all__" not in errors


def test_invited_admin_reaches_the_admin_site_until_revoked(client, world):
    from networks.services import role_revoke
    from tests.factories import enable_totp

    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation_create(
            invited_by=world.users["admin"], email="second-admin@example.org", role=Role.ADMIN
        )
    token = _link_token(mail.outbox[0])
    client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {
            "first_name": "Sam",
            "last_name": "Admin",
            "password1": "a long passphrase 2026",
            "password2": "a long passphrase 2026",
        },
    )
    admin = User.objects.get(email="second-admin@example.org")
    assert admin.is_staff and admin.is_superuser
    enable_totp(admin)
    assert client.get(reverse("admin:index")).status_code == 200
    role_revoke(revoked_by=world.users["admin"], assignment=RoleAssignment.objects.get(user=admin))
    admin.refresh_from_db()
    assert not admin.is_staff and not admin.is_superuser
    assert not user_roles(user=admin).is_admin
