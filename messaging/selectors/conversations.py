"""Reads for conversations with members: the inbox, one thread, who is told
of an urgent reply, the zone's watch words, and what a member received."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from accounts.models import User
from accounts.selectors import zone_officers
from members.models import Member
from messaging.models import (
    Conversation,
    ConversationEvent,
    Delivery,
    Message,
    Reply,
    WatchWordList,
)
from networks.models import LANGUAGE_CODES, Network, PoliceZone, Role, RoleAssignment

__all__ = [
    "DEFAULT_WATCH_WORDS",
    "ThreadEntry",
    "conversation_staff",
    "conversation_thread",
    "conversation_watch_words_found",
    "conversations_for_inbox",
    "conversations_urgent_open",
    "member_conversations_by_message",
    "member_received_messages",
    "zone_watch_words",
]

# Used for a language a zone has no list of its own for. Words of someone in
# danger now or describing a crime in progress; the zone's officers adapt them.
DEFAULT_WATCH_WORDS: dict[str, list[str]] = {
    "nl": ["nu", "op dit moment", "in mijn tuin", "in mijn huis", "inbreker", "inbraak bezig",
           "wapen", "mes", "pistool", "gewond", "bloed", "brand", "dringend", "vlucht", "slaan"],
    "fr": ["maintenant", "en ce moment", "dans mon jardin", "dans ma maison", "cambrioleur",
           "arme", "couteau", "pistolet", "blessé", "sang", "feu", "incendie", "urgent", "fuite"],
    "de": ["jetzt", "gerade", "in meinem garten", "in meinem haus", "einbrecher", "waffe",
           "messer", "pistole", "verletzt", "blut", "feuer", "brand", "dringend", "flucht"],
    "en": ["now", "right now", "in my garden", "in my house", "burglar", "weapon", "knife",
           "gun", "injured", "hurt", "blood", "fire", "urgent", "fleeing"],
}  # fmt: skip

# Open first, then closed; within each, urgent ones first, newest activity first.
_INBOX_ORDER = (
    Case(When(status=Conversation.Status.OPEN, then=Value(0)), default=Value(1),
         output_field=IntegerField()),
    Case(When(urgency="", then=Value(1)), default=Value(0), output_field=IntegerField()),
    "-last_activity_at",
    "-pk",
)  # fmt: skip


def conversations_for_inbox(
    *, network: Network, status: str = "", assigned_to: User | None = None
) -> QuerySet[Conversation]:
    """The network's conversations for the inbox: open ones first, then urgent
    ones, most recent activity first; with reply counts and unread replies."""
    conversations = Conversation.objects.filter(network=network)
    if status in Conversation.Status.values:
        conversations = conversations.filter(status=status)
    if assigned_to is not None:
        conversations = conversations.filter(assigned_to=assigned_to)
    return (
        conversations.select_related("member", "message", "assigned_to")
        .annotate(
            reply_count=Count("replies", distinct=True),
            unread=Count("replies", filter=Q(replies__status=Reply.Status.NEW), distinct=True),
            last_reply_at=Max("replies__received_at"),
        )
        .order_by(*_INBOX_ORDER)
    )


def conversations_urgent_open(*, network_ids, limit: int = 20) -> list[Conversation]:
    """Open urgent conversations of these networks, most recent activity first
    (the staff home page)."""
    return list(
        Conversation.objects.filter(
            network_id__in=list(network_ids), status=Conversation.Status.OPEN
        )
        .exclude(urgency="")
        .select_related("network", "member", "assigned_to")
        .order_by("-last_activity_at")[:limit]
    )


@dataclass(frozen=True)
class ThreadEntry:
    """One line of a conversation's thread: a member's reply or an event."""

    at: datetime
    reply: Reply | None = None
    event: ConversationEvent | None = None

    @property
    def from_member(self) -> bool:
        return self.reply is not None


def conversation_thread(*, conversation: Conversation) -> list[ThreadEntry]:
    """The member's replies and the events of a conversation, oldest first."""
    entries = [ThreadEntry(at=r.received_at, reply=r) for r in conversation.replies.all()]
    entries += [
        ThreadEntry(at=e.created_at, event=e) for e in conversation.events.select_related("actor")
    ]
    return sorted(entries, key=lambda e: (e.at, 0 if e.reply else 1))


def conversation_staff(*, network: Network) -> QuerySet[User]:
    """Who handles a network's conversations: the zone's officers and the
    network's coordinators and co-coordinators (active accounts; a role
    awaiting the police screening does not count)."""
    coordinators = RoleAssignment.objects.effective().filter(
        role__in=[Role.COORDINATOR, Role.CO_COORDINATOR], network=network
    )
    officers = zone_officers(police_zone_ids=[network.police_zone_id])
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role_assignments__in=coordinators) | Q(pk__in=officers.values("pk")))
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def zone_watch_words(*, police_zone: PoliceZone) -> dict[str, list[str]]:
    """The zone's watch words per language: its own lists, else the defaults."""
    words = {code: list(DEFAULT_WATCH_WORDS.get(code, [])) for code in LANGUAGE_CODES}
    for watch_list in WatchWordList.objects.filter(police_zone=police_zone):
        words[watch_list.language] = watch_list.word_list
    return words


def _plain(text: str) -> str:
    """Lower case without accents, so "Blessé" matches "blesse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def conversation_watch_words_found(*, police_zone: PoliceZone, text: str) -> list[str]:
    """The zone's watch words (of any language) that occur in ``text`` as
    whole words or phrases, without regard to case or accents."""
    plain = _plain(text)
    found = []
    for words in zone_watch_words(police_zone=police_zone).values():
        for word in words:
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, _plain(word).split())) + r"(?!\w)"
            if word not in found and re.search(pattern, plain):
                found.append(word)
    return found


def member_received_messages(*, member: Member, limit: int = 20) -> list[tuple[Message, dict]]:
    """The messages that reached the member, most recent first, each with its
    texts in the member's language: [(message, texts), ...]."""
    messages = (
        Message.objects.filter(
            deliveries__member=member,
            deliveries__status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED],
        )
        .exclude(status=Message.Status.DRAFT)
        .distinct()
        .order_by("-published_at", "-pk")[:limit]
    )
    fallback = member.network.default_language
    return [(m, m.text_for(member.language, fallback)) for m in messages]


def member_conversations_by_message(*, member: Member) -> dict[int | None, list[ThreadEntry]]:
    """The member's own thread per message (message id → entries, oldest
    first): their replies and the staff's answers, nothing internal (no
    assignments, forwards or notices to the police)."""
    shown = {ConversationEvent.Kind.ANSWER, ConversationEvent.Kind.AUTO_ANSWER}
    threads: dict[int | None, list[ThreadEntry]] = {}
    for conversation in Conversation.objects.filter(member=member).prefetch_related(
        "replies", "events"
    ):
        entries = [
            e
            for e in conversation_thread(conversation=conversation)
            if e.reply is not None or e.event.kind in shown
        ]
        threads.setdefault(conversation.message_id, []).extend(entries)
    for entries in threads.values():
        entries.sort(key=lambda e: (e.at, 0 if e.reply else 1))
    return threads
