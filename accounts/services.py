"""Write-side operations on staff accounts: invitations and their acceptance."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import StaffInvitation, User, hash_token
from networks.models import Municipality, Network, PoliceZone
from networks.rules import role_can_grant, role_can_grant_same
from networks.services import role_grant, role_scope_validate

logger = logging.getLogger(__name__)

# The task retries a few times within a minute; the periodic sweep keeps trying
# after that (e.g. an SMTP outage of an hour) until this many attempts in all.
TASK_RETRIES = 4
MAX_SEND_ATTEMPTS = 20


def invitation_create(
    *,
    invited_by: User,
    email: str,
    role: str,
    network: Network | None = None,
    police_zone: PoliceZone | None = None,
    municipality: Municipality | None = None,
    language: str = "nl",
) -> StaffInvitation:
    """Invite someone to take a role; the email goes out after commit.

    The link's token is made when the email is sent (see ``invitation_send``),
    so it never travels through the broker. Raises PermissionDenied when
    ``invited_by`` may not grant that role there, and ValidationError for an
    inconsistent scope or a self-invitation.
    """
    email = email.strip().lower()
    role_scope_validate(
        role=role, network=network, police_zone=police_zone, municipality=municipality
    )
    if email == invited_by.email.lower():
        raise ValidationError({"email": _("You cannot invite yourself to a role.")})
    if not role_can_grant(
        granter=invited_by,
        role=role,
        network=network,
        police_zone=police_zone,
        municipality=municipality,
    ):
        raise PermissionDenied(_("You may not grant this role here."))
    with transaction.atomic():
        # A fresh invitation replaces any earlier one for the same role and
        # scope, including a failed one the sweep would otherwise resend.
        StaffInvitation.objects.withdrawable().filter(
            email=email,
            role=role,
            network=network,
            police_zone=police_zone,
            municipality=municipality,
        ).update(status=StaffInvitation.Status.REVOKED)
        invitation = StaffInvitation.objects.create(
            email=email,
            role=role,
            network=network,
            police_zone=police_zone,
            municipality=municipality,
            language=language,
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        transaction.on_commit(lambda: _queue_invitation_send(invitation.pk))
    logger.info("invitation %s created by %s for role %s", invitation.pk, invited_by.pk, role)
    return invitation


def _queue_invitation_send(invitation_id: int) -> None:
    # why: accounts.tasks imports this module (tasks call services); services
    # reach their tasks lazily, the one direction used throughout the project.
    from accounts.tasks import invitation_send_task

    try:
        invitation_send_task.delay(invitation_id)
    except Exception:
        # The broker is down: the row stays queued and the periodic
        # invitation_send_pending sweep sends it once the broker is back.
        logger.exception("could not queue invitation %s; the sweep will retry", invitation_id)


def invitation_url(*, token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("accounts:invitation_accept", args=[token])


def invitation_send(*, invitation_id: int) -> StaffInvitation:
    """Send the invitation email once. Safe to call again: only a queued (or
    failed, retried) invitation is sent, under a row lock.

    Each send makes a new token, so a link from an earlier, failed attempt
    stops working and the clear token exists only in the email.
    """
    with transaction.atomic():
        # Lock only the invitation row: PostgreSQL refuses FOR UPDATE on the
        # nullable side of the outer joins that select_related adds.
        invitation = (
            StaffInvitation.objects.select_for_update(of=("self",))
            .select_related("invited_by", "network", "police_zone", "municipality")
            .get(pk=invitation_id)
        )
        if invitation.status not in (StaffInvitation.Status.QUEUED, StaffInvitation.Status.FAILED):
            return invitation
        if invitation.is_expired:
            return invitation
        token = secrets.token_urlsafe(32)
        invitation.token_hash = hash_token(token)
        invitation.send_attempts += 1
        with translation.override(invitation.language):
            context = {
                "invitation": invitation,
                "url": invitation_url(token=token),
                "inviter": invitation.invited_by,
                "role": invitation.get_role_display(),
                "scope": invitation.scope,
                "days": settings.INVITATION_VALID_DAYS,
            }
            subject = _("You are invited to BIN Platform as %(role)s") % {"role": context["role"]}
            body = render_to_string("accounts/email/invitation.txt", context)
            html = render_to_string("accounts/email/invitation.html", context)
        message = EmailMultiAlternatives(
            subject=subject, body=body, to=[invitation.email], from_email=None
        )
        message.attach_alternative(html, "text/html")
        failure: Exception | None = None
        try:
            message.send()
        except Exception as exc:
            # Recorded inside the transaction and raised after it, so the
            # failure is kept and the task can retry.
            failure = exc
            invitation.status = StaffInvitation.Status.FAILED
            invitation.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning("invitation %s could not be sent: %s", invitation.pk, exc)
        else:
            invitation.status = StaffInvitation.Status.SENT
            invitation.sent_at = timezone.now()
            invitation.last_error = ""
        invitation.save(
            update_fields=["status", "sent_at", "last_error", "send_attempts", "token_hash"]
        )
    if failure is not None:
        raise failure
    return invitation


def invitation_send_pending(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Queue the sends that never happened (broker down, worker lost) or
    failed for a passing reason. Run periodically; returns the ids queued."""
    cutoff = timezone.now() - older_than
    ids = list(
        StaffInvitation.objects.filter(
            status__in=[StaffInvitation.Status.QUEUED, StaffInvitation.Status.FAILED],
            expires_at__gt=timezone.now(),
            created_at__lt=cutoff,
            send_attempts__lt=MAX_SEND_ATTEMPTS,
        ).values_list("pk", flat=True)
    )
    for invitation_id in ids:
        _queue_invitation_send(invitation_id)
    return ids


def invitation_for_token(*, token: str) -> StaffInvitation | None:
    """The open invitation for a token, or None when unknown, used, revoked or expired."""
    return (
        StaffInvitation.objects.open()
        .select_related("invited_by", "network", "police_zone", "municipality")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: StaffInvitation,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> User:
    """Accept an invitation: create the account if needed, grant the role.

    An existing account accepts while logged in as the invited address. A new
    account gets its email marked verified, since the link proved it.
    """
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status not in (StaffInvitation.Status.QUEUED, StaffInvitation.Status.SENT):
        raise ValidationError(_("This invitation is no longer valid."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account with this address exists. Sign in first, then open the link again.")
            )
        candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                    preferred_language=invitation.language,
                )
        except IntegrityError as exc:
            # Another invitation to the same address was accepted a moment ago.
            raise ValidationError(
                _("An account with this address exists. Sign in first, then open the link again.")
            ) from exc
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another address."))
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        raise ValidationError(_("The person who invited you no longer has an account."))
    # The inviter's right is checked again now: a role they lost in the
    # meantime cannot be passed on through an old invitation.
    role_grant(
        granted_by=inviter,
        user=user,
        role=invitation.role,
        network=invitation.network,
        police_zone=invitation.police_zone,
        municipality=invitation.municipality,
    )
    invitation.status = StaffInvitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    logger.info("invitation %s accepted by user %s", invitation.pk, user.pk)
    return user


def invitation_revoke(*, invitation: StaffInvitation, revoked_by: User) -> bool:
    """Withdraw an invitation that was not accepted yet; True if it was withdrawn."""
    if invitation.invited_by_id != revoked_by.pk and not role_can_grant_same(
        granter=revoked_by, grant=invitation
    ):
        raise PermissionDenied(_("You may not revoke this invitation."))
    updated = (
        StaffInvitation.objects.withdrawable()
        .filter(pk=invitation.pk)
        .update(status=StaffInvitation.Status.REVOKED)
    )
    if updated:
        logger.info("invitation %s revoked by %s", invitation.pk, revoked_by.pk)
    return bool(updated)


def user_notification_settings_update(
    *, user: User, mobile_phone, urgent_replies_by_sms: bool
) -> User:
    """Store how the user hears of urgent replies (email always, SMS if asked)."""
    if urgent_replies_by_sms and not mobile_phone:
        raise ValidationError({"mobile_phone": _("Give a mobile number to receive SMS.")})
    user.mobile_phone = mobile_phone or ""
    user.urgent_replies_by_sms = urgent_replies_by_sms
    user.save(update_fields=["mobile_phone", "urgent_replies_by_sms"])
    return user
