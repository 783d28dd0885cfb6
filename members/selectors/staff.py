"""Read-side queries on members."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from members.models import AuditEntry, Channel, ContactChange, Member, Rejection
from members.phones import phone_search_prefix
from networks.models import Network
from outbox.selectors import notifications_about

_PHONE_LIKE = re.compile(r"[\d\s+./()-]+")

SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "street": ("street", "house_number", "pk"),
    "-street": ("-street", "-house_number", "-pk"),
    "status": ("status", "last_name", "pk"),
    "-status": ("-status", "last_name", "pk"),
    "joined": ("created_at", "pk"),
    "-joined": ("-created_at", "-pk"),
}


@dataclass(frozen=True)
class MemberFilter:
    search: str = ""
    status: str = ""
    street: str = ""
    language: str = ""
    channel: str = ""
    sort: str = "name"


def member_list(
    *, network: Network, filters: MemberFilter | None = None, search_contact: bool = True
) -> QuerySet[Member]:
    """Members of a network (not those who left), filtered and sorted in the
    database: one query for the page whatever its size.

    ``search_contact=False`` (privacy mode) searches names and streets only:
    a search on emails or phone numbers would reveal them one guess at a time.
    """
    f = filters or MemberFilter()
    qs = Member.objects.filter(network=network).exclude(status=Member.Status.LEFT)
    if f.status in Member.Status.values:
        qs = qs.filter(status=f.status)
    if f.street:
        qs = qs.filter(street=f.street)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.channel == Channel.SMS:
        qs = qs.filter(by_sms=True)
    elif f.channel == Channel.EMAIL:
        qs = qs.filter(by_email=True)
    elif f.channel == Channel.VOICE:
        qs = qs.filter(by_voice=True)
    search = f.search.strip()
    if search:
        condition = Q()
        for word in search.split()[:5]:
            word_q = (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(street__icontains=word)
            )
            if search_contact:
                word_q |= Q(email__icontains=word)
            condition &= word_q
        digits = "".join(ch for ch in search if ch.isdigit())
        if search_contact and len(digits) >= 2 and _PHONE_LIKE.fullmatch(search):
            # Phones are stored as E.164. A number's beginning as people type
            # it ("0470", "+32 470") becomes the start of the E.164 form
            # ("+32470"); other digits (6 or more) match anywhere.
            prefix = phone_search_prefix(text=search, country=network.country)
            if prefix:
                condition |= Q(mobile_phone__startswith=prefix) | Q(landline__startswith=prefix)
            elif len(digits) >= 6:
                condition |= Q(mobile_phone__contains=digits) | Q(landline__contains=digits)
        qs = qs.filter(condition)
    return qs.order_by(*SORTS.get(f.sort, SORTS["name"]))


def member_with_contact(*, network: Network, email: str, mobile_phone: str) -> Member | None:
    """The member of the network (not left) who has this email address or
    mobile number (E.164), if any: the rows the database keeps unique."""
    match = Q(pk__in=[])
    if email:
        match |= Q(email__iexact=email)
    if mobile_phone:
        match |= Q(mobile_phone=mobile_phone)
    return (
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.LEFT)
        .filter(match)
        .select_related("network")
        .first()
    )


def member_status_counts(*, network: Network) -> dict[str, int]:
    rows = Member.objects.filter(network=network).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(Member.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def member_approval_queue(*, network: Network) -> QuerySet[Member]:
    """Verified sign-ups waiting for the coordinator, oldest first."""
    return Member.objects.filter(network=network).awaiting_approval().order_by("created_at")


def member_data_report(*, member: Member) -> dict:
    """Everything stored about one member, for access requests (GDPR art. 15)."""
    fields = [
        f for f in Member._meta.concrete_fields if f.name not in ("id", "network", "token_version")
    ]
    return {
        "member": [(f.verbose_name, getattr(member, f.name)) for f in fields],
        "network": member.network,
        "consents": list(member.consents.select_related("recorded_by")),
        "verifications": list(member.verifications.values("channel", "created_at", "verified_at")),
        "notifications": list(
            notifications_about(obj=member)
            .order_by("-created_at")
            .values("kind", "channel", "status", "created_at", "sent_at")[:200]
        ),
        "audit": list(
            AuditEntry.objects.filter(member_id_ref=member.pk)
            .select_related("actor")
            .order_by("-created_at")[:200]
        ),
    }


def audit_entries(*, network: Network) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(network=network).select_related("actor").order_by("-created_at")
    )


def rejection_list(*, network: Network) -> QuerySet[Rejection]:
    """The network's refused sign-ups, newest first (no applicant data)."""
    return Rejection.objects.filter(network=network).select_related("rejected_by")


def member_nav_context(*, user, network: Network) -> dict:
    """What the member pages' sub-navigation and masking need, for one user."""
    return {
        "network": network,
        "queue_count": member_approval_queue(network=network).count(),
        "contact_change_count": ContactChange.objects.filter(
            member__network=network, status=ContactChange.Status.AWAITING_DECISION
        )
        .exclude(member__status=Member.Status.LEFT)
        .count(),
        "can_export": user.has_perm("members.export_members", network),
        "can_audit": user.has_perm("members.view_audit_log", network),
        "can_oversee_rejections": user.has_perm("members.view_rejections", network),
        "show_contact": user.has_perm("members.view_member_contact", network),
    }


def network_with_member_counts(*, queryset: QuerySet[Network]) -> QuerySet[Network]:
    """The networks annotated with ``active_members`` and ``pending_members``,
    by name; provides ``networks.hooks.network_member_counts``."""
    return queryset.annotate(
        active_members=Count("members", filter=Q(members__status=Member.Status.ACTIVE)),
        pending_members=Count("members", filter=Q(members__status=Member.Status.PENDING)),
    ).order_by("name")
