"""The public interest list of a network being founded, and what the public
forms of starting a BIN share (rate limits, confirmation links).

Residents put their name, street and email on the list of a proposed or
preparing network; the address is confirmed by a link before the entry
counts. The list serves two things only: the invitation to the information
evening (``meeting_interest_invite``) and, once the network is founded, the
invitation to join through the normal sign-up, after which the entries are
erased (``interest_hand_over``). Entries of a network not founded within
``INTEREST_RETENTION_DAYS`` are erased by ``interest_retention``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charters.models import InterestEntry, InterestInvitation, Meeting, StartRequest
from networks.models import Network
from outbox.services.notifications import notification_queue

__all__ = [
    "FOUNDING_STATUSES",
    "StartingRateLimited",
    "interest_confirm",
    "interest_hand_over",
    "interest_retention",
    "interest_submit",
    "meeting_interest_invite",
    "starting_rate_limits_check",
    "starting_token_new",
]

logger = logging.getLogger(__name__)

# Networks that take interest (and whose info evening may invite the list).
FOUNDING_STATUSES = (Network.Status.PROPOSED, Network.Status.PREPARING)

# (how many, per seconds); override single entries with settings.STARTING_RATE_LIMITS.
# Per address the limits protect people from being flooded with links; per IP
# they stop one machine, yet allow a door-to-door evening on one Wi-Fi.
_DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "request_ip": (10, 3600),
    "request_email": (3, 86400),
    "interest_ip": (150, 3600),
    "interest_email": (3, 86400),
}


class StartingRateLimited(Exception):
    """Too many attempts; ``message`` is fit to show the visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _limit(scope: str) -> tuple[int, int]:
    return getattr(settings, "STARTING_RATE_LIMITS", {}).get(scope, _DEFAULT_LIMITS[scope])


def _count(scope: str, value: str) -> int:
    """Count one event; the seconds to wait once over the limit, else 0.
    A fixed window from the first event; values are hashed (no address in
    the cache); ``add`` then ``incr`` is atomic on Redis."""
    limit, period = _limit(scope)
    digest = hashlib.sha256(f"{scope}\0{value}".encode()).hexdigest()
    key = f"starting:rl:{scope}:{digest}"
    now = time.time()
    cache.add(f"{key}:start", now, timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=period)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil(cache.get(f"{key}:start", now) + period - now))


def starting_rate_limits_check(*, events: list[tuple[str, str]]) -> None:
    """Count one event in each ``(scope, value)``; raise StartingRateLimited
    (saying how long to wait) if any limit is exceeded. Every event counts,
    so a refusal reveals nothing about which address is known."""
    waits = [_count(scope, value) for scope, value in events if value]
    wait = max(waits, default=0)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        raise StartingRateLimited(
            ngettext(
                "Too many requests from here or for this email address. Please try again "
                "in %(count)d minute, or call your local police.",
                "Too many requests from here or for this email address. Please try again "
                "in %(count)d minutes, or call your local police.",
                minutes,
            )
            % {"count": minutes}
        )


def starting_token_new() -> tuple[str, str]:
    """A secret for a confirmation link and its stored hash."""
    secret = secrets.token_urlsafe(24)
    return secret, starting_token_hash(secret)


def starting_token_hash(secret: str) -> str:
    return hashlib.sha256(f"charters.starting\0{secret}".encode()).hexdigest()


def starting_link_valid_since() -> datetime:
    """Unconfirmed rows older than this have expired links."""
    return timezone.now() - timedelta(hours=settings.SIGNUP_EMAIL_LINK_HOURS)


# --- the interest list -----------------------------------------------------------


def _interest_link_send(*, entry: InterestEntry, secret: str) -> None:
    network = entry.network
    url = settings.PUBLIC_BASE_URL + reverse(
        "starting:interest_confirm", kwargs={"slug": network.slug, "token": secret}
    )
    with translation.override(entry.language):
        notification_queue(
            kind="interest_email_link",
            channel="email",
            to=entry.email,
            subject=_("%(network)s: confirm your email address") % {"network": network.bin_name},
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": entry.name},
                    _(
                        "You asked to hear about %(network)s, a neighbourhood information "
                        "network being founded. Confirm your email address with this link "
                        "(valid for %(hours)d hours):"
                    ) % {"network": network.bin_name, "hours": settings.SIGNUP_EMAIL_LINK_HOURS},
                    url,
                    _(
                        "Did not ask for this? Ignore this email: without confirmation your "
                        "details are erased."
                    ),
                ]
            ),
            sensitive=True,
        )  # fmt: skip


def _interest_known_notice(*, entry: InterestEntry) -> None:
    with translation.override(entry.language):
        notification_queue(
            kind="interest_known",
            channel="email",
            to=entry.email,
            subject=_("%(network)s: you are already on the list") % {
                "network": entry.network.bin_name
            },
            body=_(
                "Someone (probably you) put this email address on the interest list of "
                "%(network)s again. It is already there and confirmed: you will be invited to "
                "the information evening. Nothing else to do."
            ) % {"network": entry.network.bin_name},
        )  # fmt: skip


@dataclass(frozen=True)
class InterestOutcome:
    """What the visitor is told: always the same page, whatever happened."""

    email_hint: str


def _mask(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


@transaction.atomic
def interest_submit(
    *,
    network: Network,
    name: str,
    street: str,
    email: str,
    language: str,
    ip: str,
    suspected_bot: bool = False,
) -> InterestOutcome:
    """Put a resident on the network's interest list, pending the email link.

    Rate limited per IP and email. A bot (honeypot filled in) gets the same
    answer and nothing is stored or sent. An address already on the list gets
    the same answer too: a new link while unconfirmed, else a notice that it is
    there already, so the form never tells whether an address is known.
    """
    if network.status not in FOUNDING_STATUSES:
        raise ValidationError(_("This network is no longer being founded: you can join it."))
    email = email.strip().lower()
    starting_rate_limits_check(events=[("interest_ip", ip), ("interest_email", email)])
    outcome = InterestOutcome(email_hint=_mask(email))
    if suspected_bot:
        logger.info("interest list of network %s: honeypot filled, nothing stored", network.pk)
        return outcome
    language = language if language in dict(settings.LANGUAGES) else network.default_language
    entry = InterestEntry.objects.filter(network=network, email=email).first()
    if entry is not None and entry.email_verified_at is not None:
        _interest_known_notice(entry=entry)
        return outcome
    secret, token_hash = starting_token_new()
    if entry is None:
        try:
            with transaction.atomic():
                entry = InterestEntry.objects.create(
                    network=network, name=name.strip(), street=street.strip(), email=email,
                    language=language, token_hash=token_hash,
                )  # fmt: skip
        except IntegrityError:
            return outcome  # a parallel submit of the same address: it sends the link
    else:
        entry.name, entry.street, entry.language = name.strip(), street.strip(), language
        entry.token_hash = token_hash
        entry.created_at = timezone.now()
        entry.save()
    _interest_link_send(entry=entry, secret=secret)
    return outcome


def interest_entry_for_token(*, network: Network, token: str) -> InterestEntry:
    """The entry a link names, or ValidationError if unknown or expired."""
    entry = InterestEntry.objects.filter(
        network=network, token_hash=starting_token_hash(token)
    ).first()
    if entry is None or (
        entry.email_verified_at is None and entry.created_at < starting_link_valid_since()
    ):
        raise ValidationError(
            _("This link is not valid (any more). Please put your name down again.")
        )
    return entry


@transaction.atomic
def interest_confirm(*, network: Network, token: str) -> InterestEntry:
    """Confirm an entry's email address from the link (idempotent)."""
    entry = interest_entry_for_token(network=network, token=token)
    if entry.email_verified_at is None:
        entry.email_verified_at = timezone.now()
        entry.save(update_fields=["email_verified_at"])
    return entry


def _join_invitation_send(*, entry: InterestEntry) -> None:
    network = entry.network
    url = settings.PUBLIC_BASE_URL + reverse("members:signup:join", kwargs={"slug": network.slug})
    with translation.override(entry.language):
        notification_queue(
            kind="interest_join_invitation",
            channel="email",
            to=entry.email,
            subject=_("%(network)s is founded: join now") % {"network": network.bin_name},
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": entry.name},
                    _(
                        "%(network)s is founded. You were on its interest list: sign up here "
                        "to receive its messages:"
                    ) % {"network": network.bin_name},
                    url,
                    _(
                        "Your entry on the interest list is now erased. Without a sign-up we "
                        "keep nothing about you."
                    ),
                ]
            ),
        )  # fmt: skip


@transaction.atomic
def interest_hand_over(*, network: Network) -> int:
    """The network is founded: invite each confirmed person on its list to
    join through the normal sign-up, then erase every entry of the list.
    Returns how many were invited."""
    entries = list(InterestEntry.objects.select_for_update().filter(network=network))
    invited = 0
    for entry in entries:
        if entry.email_verified_at is not None:
            _join_invitation_send(entry=entry)
            invited += 1
    InterestEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    if entries:
        logger.info("interest list of network %s handed over: %s invited", network.pk, invited)
    return invited


def interest_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Erase what the founding forms keep longer than needed. Run hourly by beat.

    - Founded networks (active): their list is handed over (``interest_hand_over``),
      also when the status was set by hand rather than by the signatures.
    - Entries older than ``INTEREST_RETENTION_DAYS`` of a network still not
      founded, and entries of suspended or dissolved networks: erased.
    - Unconfirmed entries and start requests whose link expired: erased.
    - Decided start requests older than ``START_REQUEST_RETENTION_DAYS``: erased.
    """
    now = now or timezone.now()
    counts = {"handed_over": 0, "expired": 0, "unconfirmed": 0, "requests": 0}
    founded = Network.objects.filter(
        status=Network.Status.ACTIVE, interest_entries__isnull=False
    ).distinct()
    for network in founded:
        counts["handed_over"] += interest_hand_over(network=network)
    year_ago = now - timedelta(days=settings.INTEREST_RETENTION_DAYS)
    counts["expired"], _rows = (
        InterestEntry.objects.filter(created_at__lt=year_ago)
        .exclude(network__status=Network.Status.ACTIVE)
        .delete()
    )
    gone, _rows = InterestEntry.objects.filter(
        network__status__in=[Network.Status.SUSPENDED, Network.Status.DISSOLVED]
    ).delete()
    counts["expired"] += gone
    link_expired = now - timedelta(hours=settings.SIGNUP_EMAIL_LINK_HOURS)
    counts["unconfirmed"], _rows = InterestEntry.objects.filter(
        email_verified_at__isnull=True, created_at__lt=link_expired
    ).delete()
    gone, _rows = StartRequest.objects.filter(
        status=StartRequest.Status.UNVERIFIED, created_at__lt=link_expired
    ).delete()
    counts["unconfirmed"] += gone
    counts["requests"], _rows = StartRequest.objects.filter(
        status__in=[StartRequest.Status.OPENED, StartRequest.Status.DECLINED],
        decided_at__lt=now - timedelta(days=settings.START_REQUEST_RETENTION_DAYS),
    ).delete()
    if any(counts.values()):
        logger.info("interest retention: %s", counts)
    return counts


# --- the information evening ----------------------------------------------------------


@transaction.atomic
def meeting_interest_invite(*, meeting: Meeting, by) -> InterestInvitation:
    """Email the information evening's invitation to the network's interest
    list, each person in their own language (outbox notifications).

    Only for a planned information evening still to come of a network being
    founded, by those who manage its meetings. A second sending reaches only
    the people confirmed since the first, so nobody is invited twice.
    """
    meeting = Meeting.objects.select_for_update().select_related("network").get(pk=meeting.pk)
    network = meeting.network
    if not by.has_perm("charters.manage_meetings", network):
        raise PermissionDenied
    if meeting.kind != Meeting.Kind.INFO_EVENING:
        raise ValidationError(_("Only an information evening is sent to the interest list."))
    if meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= timezone.now():
        raise ValidationError(_("Only a planned meeting still to come can be announced."))
    if network.status not in FOUNDING_STATUSES:
        raise ValidationError(
            _("The interest list exists only while the network is being founded.")
        )
    entries = InterestEntry.objects.filter(network=network, email_verified_at__isnull=False)
    last = meeting.interest_invitations.first()
    if last is not None:
        entries = entries.filter(email_verified_at__gt=last.sent_at)
    entries = list(entries)
    if not entries:
        raise ValidationError(_("Nobody on the interest list is left to invite."))
    for entry in entries:
        _evening_invitation_send(meeting=meeting, entry=entry)
    invitation = InterestInvitation.objects.create(
        meeting=meeting, sent_by=by, recipients=len(entries)
    )
    logger.info("meeting %s: interest list invited (%s) by %s", meeting.pk, len(entries), by.pk)
    return invitation


def _evening_invitation_send(*, meeting: Meeting, entry: InterestEntry) -> None:
    network = meeting.network
    interest_url = settings.PUBLIC_BASE_URL + reverse(
        "starting:interest", kwargs={"slug": network.slug}
    )
    with translation.override(entry.language):
        starts = timezone.localtime(meeting.starts_at)
        when = (
            f"{formats.date_format(starts, 'DATE_FORMAT')}, "
            f"{formats.time_format(starts, 'TIME_FORMAT')}"
        )
        parts = [
            _("Hello %(name)s,") % {"name": entry.name},
            _(
                "All residents are invited to the information evening about %(network)s, the "
                "neighbourhood information network being founded in your area."
            )
            % {"network": network.bin_name},
            _("When: %(when)s") % {"when": when},
            _("Where: %(place)s") % {"place": meeting.place},
        ]
        if meeting.agenda.strip():
            parts.append(_("Agenda:") + "\n" + meeting.agenda.strip())
        parts.append(
            _(
                "You receive this because you put your name on the interest list "
                "(%(url)s). It is erased once the network is founded, or after a year."
            )
            % {"url": interest_url}
        )
        notification_queue(
            kind="interest_meeting_invitation",
            channel="email",
            to=entry.email,
            subject=_("Invitation: information evening %(network)s") % {
                "network": network.bin_name
            },
            body="\n\n".join(parts),
        )  # fmt: skip
