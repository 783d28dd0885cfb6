"""Residents' requests to start a BIN, and the officer's answer.

The public form (no login) stores a request pending its email link; once
confirmed, the mandated officers of the municipality's police zone get an
email in their language (outbox notification). An officer opens a proposed
network from it (``networks.services.network_propose`` and the founding
checklist) or declines it with a reason, which the requester receives.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from charters.models import StartRequest
from charters.services.founding import founding_steps_ensure
from charters.services.interest import (
    InterestOutcome,
    starting_link_valid_since,
    starting_rate_limits_check,
    starting_token_hash,
    starting_token_new,
)
from networks.models import Municipality, Network, Role, RoleAssignment
from networks.selectors import user_roles
from networks.services import network_propose
from outbox.services.notifications import notification_queue

__all__ = [
    "start_request_confirm",
    "start_request_decline",
    "start_request_for_token",
    "start_request_open",
    "start_request_submit",
]

logger = logging.getLogger(__name__)


def _mask(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


@transaction.atomic
def start_request_submit(
    *,
    municipality: Municipality,
    name: str,
    email: str,
    phone: str,
    street: str,
    neighbourhood: str,
    motivation: str,
    language: str,
    ip: str,
    suspected_bot: bool = False,
) -> InterestOutcome:
    """Store a request to start a BIN and email the confirmation link.

    Rate limited per IP and email. A bot (honeypot filled in) gets the same
    answer, and nothing is stored or sent. The police see the request only
    once the email address is confirmed (``start_request_confirm``).
    """
    email = email.strip().lower()
    starting_rate_limits_check(events=[("request_ip", ip), ("request_email", email)])
    outcome = InterestOutcome(email_hint=_mask(email))
    if suspected_bot:
        logger.info("start request: honeypot filled, nothing stored")
        return outcome
    language = language if language in dict(settings.LANGUAGES) else "nl"
    secret, token_hash = starting_token_new()
    request = StartRequest.objects.create(
        municipality=municipality, name=name.strip(), email=email, phone=phone.strip(),
        street=street.strip(), neighbourhood=neighbourhood.strip(),
        motivation=motivation.strip(), language=language, token_hash=token_hash,
    )  # fmt: skip
    url = settings.PUBLIC_BASE_URL + reverse("starting:request_confirm", kwargs={"token": secret})
    with translation.override(language):
        notification_queue(
            kind="start_request_link",
            channel="email",
            to=email,
            subject=_("Confirm your request to start a BIN"),
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": request.name},
                    _(
                        "Confirm your email address with this link (valid for %(hours)d hours); "
                        "only then does your request reach the local police of %(municipality)s:"
                    ) % {"hours": settings.SIGNUP_EMAIL_LINK_HOURS,
                         "municipality": municipality.name},
                    url,
                    _("Did not ask for this? Ignore this email: your details are then erased."),
                ]
            ),
            sensitive=True,
        )  # fmt: skip
    return outcome


def start_request_for_token(*, token: str) -> StartRequest:
    """The request a link names, or ValidationError if unknown or expired."""
    request = StartRequest.objects.filter(token_hash=starting_token_hash(token)).first()
    if request is None or (
        request.status == StartRequest.Status.UNVERIFIED
        and request.created_at < starting_link_valid_since()
    ):
        raise ValidationError(
            _("This link is not valid (any more). Please send your request again.")
        )
    return request


def _zone_officers(*, request: StartRequest):
    users = {
        a.user
        for a in RoleAssignment.objects.effective()
        .filter(role=Role.OFFICER, police_zone=request.municipality.police_zone_id)
        .select_related("user")
    }
    if not users:
        # A zone without a mandated officer on the platform: the admins see to it.
        users = {
            a.user
            for a in RoleAssignment.objects.effective()
            .filter(role=Role.ADMIN)
            .select_related("user")
        }
    return [user for user in users if user.is_active and user.email]


@transaction.atomic
def start_request_confirm(*, token: str) -> StartRequest:
    """Confirm the requester's email from the link and send the request to
    the zone's mandated officers, each in their language (idempotent)."""
    request = start_request_for_token(token=token)
    request = StartRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != StartRequest.Status.UNVERIFIED:
        return request
    request.status = StartRequest.Status.NEW
    request.email_verified_at = timezone.now()
    request.save(update_fields=["status", "email_verified_at"])
    url = settings.PUBLIC_BASE_URL + reverse("starting:request_detail", kwargs={"pk": request.pk})
    for officer in _zone_officers(request=request):
        with translation.override(officer.preferred_language or request.language):
            notification_queue(
                kind="start_request_new",
                channel="email",
                to=officer.email,
                subject=_("Request to start a BIN in %(municipality)s") % {
                    "municipality": request.municipality.name
                },
                body="\n\n".join(
                    [
                        _(
                            "A resident of %(municipality)s (%(street)s) asks to start a "
                            "neighbourhood information network. Open the request to propose "
                            "a network or to decline it:"
                        ) % {"municipality": request.municipality.name,
                             "street": request.street},
                        url,
                    ]
                ),
            )  # fmt: skip
    logger.info("start request %s confirmed", request.pk)
    return request


def _check_decide(*, request: StartRequest, by) -> None:
    roles = user_roles(user=by)
    if not (roles.is_admin or request.municipality.police_zone_id in roles.officer_of_zones):
        raise PermissionDenied
    if request.status != StartRequest.Status.NEW:
        raise ValidationError(_("This request was already answered."))


@transaction.atomic
def start_request_open(
    *, request: StartRequest, by, name: str, kind: str, languages: list[str]
) -> Network:
    """Open a proposed network from a request: the network (status proposed,
    in the request's municipality) with its founding checklist, the
    neighbourhood description as its first notes. The requester is told, with
    the link to the network's interest list."""
    request = StartRequest.objects.select_for_update().get(pk=request.pk)
    _check_decide(request=request, by=by)
    network = network_propose(
        proposed_by=by, name=name, municipality=request.municipality, kind=kind,
        languages=languages,
    )  # fmt: skip
    steps = founding_steps_ensure(network=network)
    first = steps[0]
    first.notes = _("Requested by a resident (%(street)s): %(text)s") % {
        "street": request.street,
        "text": request.neighbourhood,
    }
    first.updated_by = by
    first.save(update_fields=["notes", "updated_by"])
    request.status = StartRequest.Status.OPENED
    request.network = network
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "network", "decided_by", "decided_at"])
    interest = settings.PUBLIC_BASE_URL + reverse(
        "starting:interest", kwargs={"slug": network.slug}
    )
    with translation.override(request.language):
        notification_queue(
            kind="start_request_opened",
            channel="email",
            to=request.email,
            subject=_("Your request to start a BIN: %(network)s") % {"network": network.bin_name},
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": request.name},
                    _(
                        "The local police proposed %(network)s after your request and will "
                        "contact you to prepare it. Neighbours can put their name on its "
                        "interest list to be invited to the information evening:"
                    ) % {"network": network.bin_name},
                    interest,
                ]
            ),
        )  # fmt: skip
    logger.info("start request %s opened network %s by %s", request.pk, network.pk, by.pk)
    return network


@transaction.atomic
def start_request_decline(*, request: StartRequest, by, reason: str) -> StartRequest:
    """Decline a request with a reason; the requester receives the reason."""
    request = StartRequest.objects.select_for_update().get(pk=request.pk)
    _check_decide(request=request, by=by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason: the resident receives it.")})
    request.status = StartRequest.Status.DECLINED
    request.decline_reason = reason
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    with translation.override(request.language):
        notification_queue(
            kind="start_request_declined",
            channel="email",
            to=request.email,
            subject=_("Your request to start a BIN in %(municipality)s") % {
                "municipality": request.municipality.name
            },
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": request.name},
                    _("The local police do not start a BIN after your request, for this reason:"),
                    reason,
                    _("You can contact your local police about it."),
                ]
            ),
        )  # fmt: skip
    logger.info("start request %s declined by %s", request.pk, by.pk)
    return request
