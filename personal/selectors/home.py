"""Reads for a member's personal page: what we store about them (GDPR access).

The download gathers each app's part of a member's data; this app sits on
top of them all, so it reads their models directly.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from charters.models import MeetingRSVP
from members.models import AuditEntry, ConsentRecord, Member
from messaging.models import ConversationEvent, IncidentReport, Reply
from networks.models import Network, Role
from networks.selectors import user_roles
from outbox.selectors import notifications_about
from surveys.models import SurveyInvitation

# The link-revocation counter is bookkeeping of the platform, not data about
# the person.
_MEMBER_FIELDS_LEFT_OUT = frozenset({"token_version"})


def member_consent_list(*, member: Member) -> QuerySet[ConsentRecord]:
    return member.consents.order_by("-given_at", "-pk")


def _actor_role(*, actor, network: Network) -> str | None:
    """The actor's role towards this network today; never their name."""
    if actor is None:
        return None
    roles = user_roles(user=actor)
    for role, holds in (
        (Role.ADMIN, roles.is_admin),
        (Role.OFFICER, network.police_zone_id in roles.officer_of_zones),
        (Role.COORDINATOR, network.pk in roles.coordinator_of),
        (Role.CO_COORDINATOR, network.pk in roles.co_coordinator_of),
        (Role.STEERING, network.pk in roles.steering_of),
    ):
        if holds:
            return str(role)
    return "staff"


def _value(value):
    # Phone numbers are objects; everything else the JSON encoder handles.
    return str(value) if isinstance(value, PhoneNumber) else value


def member_personal_data(*, member: Member) -> dict:
    """Everything stored about one member, for their own download.

    Serialise with DjangoJSONEncoder (dates and times). Holds nothing about
    other people: staff appear by role, verification secrets not at all.
    """
    network = member.network
    fields: dict = {}
    for field in Member._meta.concrete_fields:
        if field.name in _MEMBER_FIELDS_LEFT_OUT:
            continue
        if field.name == "network":
            fields["network"] = {"name": network.name, "slug": network.slug}
            continue
        fields[field.name] = _value(getattr(member, field.attname))

    consents = [
        {
            "subject": consent.subject,
            "version": consent.version,
            "given_at": consent.given_at,
            "method": consent.method,
            "recorded_by_staff": consent.recorded_by_id is not None,
            "withdrawn_at": consent.withdrawn_at,
        }
        for consent in member_consent_list(member=member)
    ]
    verifications = [
        {
            "channel": channel,
            "created_at": created_at,
            "expires_at": expires_at,
            "verified_at": verified_at,
            "attempts": attempts,
        }
        for channel, created_at, expires_at, verified_at, attempts in (
            member.verifications.order_by("created_at", "pk").values_list(
                "channel", "created_at", "expires_at", "verified_at", "attempts"
            )
        )
    ]
    notifications = [
        {
            "kind": kind,
            "channel": channel,
            "status": status,
            "created_at": created_at,
            "sent_at": sent_at,
        }
        for kind, channel, status, created_at, sent_at in (
            notifications_about(obj=member)
            .order_by("created_at", "pk")
            .values_list("kind", "channel", "status", "created_at", "sent_at")
        )
    ]
    actor_roles: dict[int | None, str | None] = {}
    audit = []
    for entry in (
        AuditEntry.objects.filter(member_id_ref=member.pk)
        .select_related("actor")
        .order_by("created_at", "pk")
    ):
        if entry.actor_id not in actor_roles:
            actor_roles[entry.actor_id] = _actor_role(actor=entry.actor, network=network)
        audit.append(
            {
                "action": entry.action,
                "created_at": entry.created_at,
                "actor_role": actor_roles[entry.actor_id],
            }
        )
    return {
        "generated_at": timezone.now(),
        "about": _(
            'All data the BIN Platform stores about you. In "audit", an actor_role '
            "of null means you yourself or an automatic task of the platform."
        ),
        "member": fields,
        "consents": consents,
        "verifications": verifications,
        "contact_changes": [
            {
                "field": field,
                "value": value,
                "status": status,
                "created_at": created_at,
                "finished_at": finished_at,
                "reason": reason,
            }
            for field, value, status, created_at, finished_at, reason in (
                member.contact_changes.order_by("created_at", "pk").values_list(
                    "field", "value", "status", "created_at", "finished_at", "reason"
                )
            )
        ],
        "notifications": notifications,
        "reports": _reports_of(member),
        "replies": _replies_of(member),
        "meeting_answers": _meeting_answers_of(member),
        "surveys": _survey_invitations_of(member),
        "audit": audit,
    }


def _meeting_answers_of(member: Member) -> list[dict]:
    return [
        {
            "meeting": kind,
            "starts_at": starts_at,
            "place": place,
            "answer": answer,
            "guests": guests,
            "answered_at": answered_at,
        }
        for kind, starts_at, place, answer, guests, answered_at in (
            MeetingRSVP.objects.filter(member=member)
            .order_by("meeting__starts_at")
            .values_list(
                "meeting__kind", "meeting__starts_at", "meeting__place",
                "answer", "guests", "answered_at",
            )
        )
    ]  # fmt: skip


def _survey_invitations_of(member: Member) -> list[dict]:
    """Which surveys the member was asked and whether they answered. The
    answers themselves are stored without any link to the member, so they
    cannot be part of this download (nor be found by anyone else)."""
    return [
        {"survey": title, "answered": answered}
        for title, answered in SurveyInvitation.objects.filter(member=member)
        .order_by("survey__pk")
        .values_list("survey__title", "answered")
    ]


def _reports_of(member: Member) -> list[dict]:
    return list(
        IncidentReport.objects.filter(member=member)
        .order_by("-created_at")
        .values(
            "category", "happened_at", "street", "description", "person_description",
            "vehicle_description", "plate", "police_called", "status", "feedback", "created_at",
        )
    )  # fmt: skip


def _replies_of(member: Member) -> list[dict]:
    """The member's own replies and the answers they got (staff by role only:
    the answers' authors are not named)."""
    replies = [
        {"kind": "yours", "channel": channel, "text": body, "at": at, "about_message": message}
        for channel, body, at, message in Reply.objects.filter(member=member)
        .order_by("received_at", "pk")
        .values_list("channel", "body", "received_at", "message_id")
    ]
    answers = [
        {"kind": kind, "channel": detail, "text": text, "at": at}
        for kind, detail, text, at in ConversationEvent.objects.filter(
            conversation__member=member,
            kind__in=[ConversationEvent.Kind.ANSWER, ConversationEvent.Kind.AUTO_ANSWER],
        )
        .order_by("created_at", "pk")
        .values_list("kind", "detail", "text", "created_at")
    ]
    return sorted(replies + answers, key=lambda row: row["at"])
