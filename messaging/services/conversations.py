"""Conversations with members: every free-text reply (SMS, email, personal
page) joins the member's open conversation, gets an automatic answer in the
member's language, and an urgent one reaches the zone's officers and the
network's coordinators at once. Staff answer, forward, assign and close.

Anything sent goes through the outbox (``notification_queue``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import zone_officers
from members.models import Member
from members.tokens import member_personal_url
from messaging.models import Conversation, ConversationEvent, Message, Reply, WatchWordList
from messaging.selectors.conversations import conversation_staff, conversation_watch_words_found
from messaging.selectors.messages import TEST_MARK, emergency_text_routes_line
from messaging.services.incidents import incident_municipal_staff
from messaging.signals import reply_received
from networks.models import LANGUAGE_CODES, Network, PoliceZone
from outbox.services.notifications import notification_queue

__all__ = [
    "ANSWER_MAX_LENGTH",
    "conversation_answer",
    "conversation_assign",
    "conversation_close",
    "conversation_forward",
    "conversation_mark_read",
    "conversation_reopen",
    "conversation_reply_receive",
    "conversation_share_with_municipality",
    "member_web_reply",
    "watch_words_save",
]

logger = logging.getLogger(__name__)

ANSWER_MAX_LENGTH = 1000
WEB_REPLY_MAX_LENGTH = 2000
_Kind = ConversationEvent.Kind


def _auto_answer_interval() -> timedelta:
    return timedelta(hours=settings.REPLY_AUTO_ANSWER_HOURS)


def _urgent_window() -> timedelta:
    return timedelta(hours=settings.REPLY_URGENT_ALERT_HOURS)


def _conversation_url(conversation: Conversation) -> str:
    return settings.PUBLIC_BASE_URL + reverse(
        "messaging:conversation", args=[conversation.network.slug, conversation.pk]
    )


def _conversation_for(*, reply: Reply, explicit: bool) -> Conversation:
    """The member's open conversation the reply continues, or a new one.

    A reply that names its message (email Reply-To, the personal page) joins
    the open conversation about that message; an SMS, which names nothing,
    joins the member's most recent open conversation, whatever it is about,
    rather than the last alert that happened to reach the number.
    """
    open_ones = Conversation.objects.filter(
        member=reply.member, network=reply.network, status=Conversation.Status.OPEN
    ).order_by("-last_activity_at", "-pk")
    if explicit:
        open_ones = open_ones.filter(message=reply.message)
    conversation = open_ones.first()
    if conversation is None:
        conversation = Conversation.objects.create(
            network=reply.network, member=reply.member, message=reply.message
        )
    return conversation


def _urgency(reply: Reply, conversation: Conversation) -> tuple[str, list[str]]:
    """Why a reply is urgent ("" if it is not), and the watch words found."""
    network = conversation.network
    words = conversation_watch_words_found(police_zone=network.police_zone, text=reply.body)
    if words:
        return Conversation.Urgency.WATCH_WORD, words
    since = timezone.now() - _urgent_window()
    for message in (reply.message, conversation.message):
        if (
            message is not None
            and message.kind == Message.Kind.URGENT
            and message.published_at is not None
            and message.published_at >= since
        ):
            return Conversation.Urgency.URGENT_ALERT, []
    return "", []


def _auto_answer_text(network: Network, member: Member | None = None) -> str:
    """In the active language: received, not watched around the clock, and
    the numbers to call (by the network's country), or for a deaf or
    hard-of-hearing member the text routes to the emergency services."""
    if member is not None and member.deaf:
        return "{} {}".format(
            _(
                "%(network)s: thank you, we received your message. This channel is not "
                "watched around the clock."
            )
            % {"network": network.bin_name},
            emergency_text_routes_line(member=member),
        )
    numbers = [number for number, _label in network.emergency_numbers]
    return _(
        "%(network)s: thank you, we received your message. This channel is not "
        "watched around the clock. In an emergency call %(emergency)s; for the police "
        "call %(police)s."
    ) % {"network": network.bin_name, "emergency": numbers[0], "police": numbers[-1]}


def _auto_answer(reply: Reply, conversation: Conversation) -> str:
    """Queue the automatic answer on the reply's channel, at most once per
    conversation every REPLY_AUTO_ANSWER_HOURS. Returns its text ("" if none)."""
    now = timezone.now()
    if conversation.auto_answered_at and now - conversation.auto_answered_at < (
        _auto_answer_interval()
    ):
        return ""
    member = reply.member
    with translation.override(member.language):
        text = _auto_answer_text(conversation.network, member)
        subject = _("Your message to %(network)s") % {"network": conversation.network.bin_name}
    if reply.channel == Reply.Channel.SMS and member.by_sms:
        notification_queue(
            kind="reply_auto_answer", channel="sms", to=reply.from_address, body=text,
            about=member,
        )  # fmt: skip
    elif reply.channel == Reply.Channel.EMAIL:
        notification_queue(
            kind="reply_auto_answer", channel="email", to=reply.from_address, subject=subject,
            body=text, about=member,
        )  # fmt: skip
    elif reply.channel != Reply.Channel.WEB:
        # An SMS from a member who stopped SMS (STOP): nothing goes back by SMS.
        return ""
    # On the personal page the member reads the answer in the thread.
    conversation.auto_answered_at = now
    conversation.save(update_fields=["auto_answered_at"])
    ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.AUTO_ANSWER, text=text, detail=reply.channel
    )
    return text


def _alert_staff(reply: Reply, conversation: Conversation, words: list[str]) -> int:
    """Email (and SMS to those who asked) every officer of the zone and
    coordinator of the network about an urgent reply. Returns how many people."""
    network = conversation.network
    url = _conversation_url(conversation)
    staff = list(conversation_staff(network=network))
    # A reply to an exercise alert rehearses the loop: the police are told,
    # marked TEST, unless a watch word makes it urgent in its own right.
    rehearsal = not words and conversation.message is not None and conversation.message.is_exercise
    mark = f"{TEST_MARK} " if rehearsal else ""
    for user in staff:
        with translation.override(user.preferred_language):
            subject = _("Urgent reply from a member of %(network)s") % {"network": network.bin_name}
            subject = f"[{TEST_MARK}] {subject}" if rehearsal else subject
            # The text is in the email: at 2 a.m. the officer must be able to
            # act on the notice itself. The member's number and address are not.
            body = render_to_string(
                "messaging/texts/conversation_urgent.txt",
                {"reply": reply, "conversation": conversation, "words": words, "url": url},
            )
            sms = mark + _("%(network)s: urgent reply from a member. Read and answer: %(url)s") % {
                "network": network.bin_name,
                "url": url,
            }
        notification_queue(
            kind="urgent_reply", channel="email", to=user.email, subject=subject, body=body,
            about=reply.member,
        )  # fmt: skip
        if user.urgent_replies_by_sms and user.mobile_phone:
            notification_queue(
                kind="urgent_reply", channel="sms", to=str(user.mobile_phone), body=sms,
                about=reply.member,
            )  # fmt: skip
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=_Kind.ALERTED,
        text=", ".join(words),
        detail=str(len(staff)),
    )
    return len(staff)


@transaction.atomic
def conversation_reply_receive(
    *, reply: Reply, explicit: bool = False, auto_submitted: bool = False
) -> Conversation | None:
    """File a member's new reply in a conversation, answer it and raise the alarm.

    ``explicit``: the reply names its message (email, personal page), see
    ``_conversation_for``. ``auto_submitted``: the mail says it was written
    by a machine (Auto-Submitted header): never answered automatically.
    A reply from an unknown number (no member) gets no conversation.
    """
    if reply.member_id is None or reply.network_id is None:
        return None
    # One reply at a time per member: two SMS in the same second must join
    # the same conversation, not open two.
    Member.objects.select_for_update().filter(pk=reply.member_id).first()
    conversation = _conversation_for(reply=reply, explicit=explicit)
    reply.conversation = conversation
    if not explicit and conversation.message_id is not None:
        # An SMS answers the conversation, not whatever alert reached the number last.
        reply.message = conversation.message
    reply.save(update_fields=["conversation", "message"])
    conversation.last_activity_at = reply.received_at or timezone.now()
    urgency, words = _urgency(reply, conversation)
    fields = ["last_activity_at"]
    if urgency and not conversation.urgency:
        conversation.urgency = urgency
        fields.append("urgency")
    conversation.save(update_fields=fields)
    if not auto_submitted:
        _auto_answer(reply, conversation)
    if urgency:
        count = _alert_staff(reply, conversation, words)
        logger.warning(
            "urgent reply %s (%s) in conversation %s: %s people notified",
            reply.pk, urgency, conversation.pk, count,
        )  # fmt: skip
    return conversation


@transaction.atomic
def member_web_reply(*, member: Member, message: Message, text: str) -> Reply:
    """A member answers a message they received, on their personal page."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write your answer.")})
    if len(text) > WEB_REPLY_MAX_LENGTH:
        raise ValidationError({"text": _("Keep your answer under 2,000 characters.")})
    if member.status != Member.Status.ACTIVE:
        raise PermissionDenied
    if not message.deliveries.filter(member=member).exists():
        raise PermissionDenied
    reply = Reply.objects.create(
        message=message, member=member, network=member.network, channel=Reply.Channel.WEB,
        from_address="", body=text,
    )  # fmt: skip
    conversation_reply_receive(reply=reply, explicit=True)
    reply_received.send(sender=Reply, reply=reply)
    return reply


def conversation_mark_read(*, conversation: Conversation) -> int:
    """Opened by someone who handles it: the member's new replies are read."""
    return conversation.replies.filter(status=Reply.Status.NEW).update(status=Reply.Status.READ)


def _last_reply(conversation: Conversation) -> Reply | None:
    return conversation.replies.order_by("-received_at", "-pk").first()


@transaction.atomic
def conversation_answer(
    *, conversation: Conversation, answered_by: User, text: str, close: bool = False
) -> ConversationEvent:
    """Answer the member on the channel of their last reply and keep the
    answer on the thread. A reply from the personal page is answered there,
    and the member is told by email (or SMS) that an answer is waiting."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write an answer.")})
    if len(text) > ANSWER_MAX_LENGTH:
        raise ValidationError({"text": _("Keep the answer under 1,000 characters.")})
    last = _last_reply(conversation)
    member = conversation.member
    network = conversation.network
    channel, to = (last.channel, last.from_address) if last else ("", "")
    language = member.language if member else network.default_language
    with translation.override(language):
        subject = _("Answer from %(network)s") % {"network": network.bin_name}
        if channel == Reply.Channel.WEB and member is not None:
            text_out = _(
                "%(network)s answered your message: %(text)s\n\nRead it and answer on your "
                "personal page: %(url)s"
            ) % {
                "network": network.bin_name,
                "text": text,
                "url": member_personal_url(member=member),
            }
            channel, to = (("email", member.email) if member.email
                           else ("sms", str(member.mobile_phone or "")))  # fmt: skip
        else:
            text_out = text
    if channel == "sms" and member is not None and not member.by_sms and member.email:
        # SMS stopped (STOP) since the member wrote: by email instead.
        channel, to = "email", member.email
    if channel == "sms" and to and (member is None or member.by_sms):
        notification_queue(kind="reply_answer", channel="sms", to=to, body=text_out, about=member)
    elif channel == "email" and to:
        notification_queue(
            kind="reply_answer", channel="email", to=to, subject=subject, body=text_out,
            about=member,
        )  # fmt: skip
    else:
        raise ValidationError(
            {"text": _("This member cannot be reached by SMS or email any more.")}
        )
    event = ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.ANSWER, actor=answered_by, text=text,
        detail=channel,
    )  # fmt: skip
    conversation.replies.exclude(status=Reply.Status.FORWARDED).update(status=Reply.Status.ANSWERED)
    conversation.last_activity_at = event.created_at
    conversation.save(update_fields=["last_activity_at"])
    if close:
        conversation_close(conversation=conversation, closed_by=answered_by)
    logger.info("conversation %s answered by %s", conversation.pk, answered_by.pk)
    return event


@transaction.atomic
def conversation_forward(
    *, conversation: Conversation, forwarded_by: User, to_email: str, note: str = ""
) -> ConversationEvent:
    """Forward the thread by email to one of the zone's officers, with a note.

    Only the zone's mandated officers: replies may hold personal data and
    must not leave the partnership.
    """
    network = conversation.network
    officers = zone_officers(police_zone_ids=[network.police_zone_id])
    officer = officers.filter(email=to_email).first() if to_email else None
    if officer is None:
        raise ValidationError({"to_email": _("Choose one of the zone's officers.")})
    with translation.override(officer.preferred_language):
        body = render_to_string(
            "messaging/texts/reply_forward.txt",
            {
                "conversation": conversation,
                "replies": conversation.replies.order_by("received_at"),
                "note": note.strip(),
                "by": forwarded_by,
                "url": _conversation_url(conversation),
            },
        )
        subject = _("Forwarded from %(network)s") % {"network": network.bin_name}
    notification_queue(
        kind="reply_forward", channel="email", to=officer.email, subject=subject, body=body,
        about=conversation.member,
    )  # fmt: skip
    conversation.replies.filter(status__in=[Reply.Status.NEW, Reply.Status.READ]).update(
        status=Reply.Status.FORWARDED
    )
    logger.info("conversation %s forwarded by %s", conversation.pk, forwarded_by.pk)
    return ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.FORWARD, actor=forwarded_by, text=note.strip(),
        detail=officer.email,
    )  # fmt: skip


@transaction.atomic
def conversation_share_with_municipality(
    *, conversation: Conversation, shared_by: User, note: str = ""
) -> Conversation:
    """Forward the conversation to the staff of the network's municipality
    (seeds 003/004: answers go "naar de politie en/of gemeente"): they get an
    email with its link and then open this conversation only, never the
    inbox, the member list or the member's contact data. Sharing again
    changes nothing.

    Raises PermissionDenied unless ``shared_by`` handles the network's
    conversations (its coordinators, the zone's officers, admins).
    """
    if not shared_by.has_perm("messaging.share_conversation_with_municipality", conversation):
        raise PermissionDenied
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.shared_with_municipality_at is not None:
        return conversation
    network = conversation.network
    staff = list(incident_municipal_staff(network=network))
    if not staff:
        raise ValidationError(_("The municipality has no staff on the platform yet."))
    conversation.shared_with_municipality_at = timezone.now()
    conversation.save(update_fields=["shared_with_municipality_at"])
    url = settings.PUBLIC_BASE_URL + reverse(
        "messaging:conversation_shared", args=[conversation.pk]
    )
    for user in staff:
        with translation.override(user.preferred_language):
            context = {"network": network, "url": url, "note": note.strip()}
            subject = _("Conversation shared with you in %(network)s") % {
                "network": network.bin_name
            }
            body = render_to_string("messaging/texts/conversation_shared.txt", context)
        notification_queue(
            kind="reply_forward", channel="email", to=user.email, subject=subject, body=body
        )
    ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.FORWARD, actor=shared_by, text=note.strip(),
        detail=ConversationEvent.TO_MUNICIPALITY,
    )  # fmt: skip
    logger.info("conversation %s shared with the municipality by %s", conversation.pk, shared_by.pk)
    return conversation


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, assigned_by: User, assignee: User | None
) -> Conversation:
    """Give the conversation to one officer or coordinator (None: to nobody);
    the assignee is told by email, unless they assigned it to themselves."""
    network = conversation.network
    if (
        assignee is not None
        and not conversation_staff(network=network).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError(
            {"assignee": _("Choose one of the network's coordinators or the zone's officers.")}
        )
    conversation.assigned_to = assignee
    conversation.save(update_fields=["assigned_to"])
    name = (assignee.get_full_name() or assignee.email) if assignee else ""
    if assignee is not None and assignee.pk != assigned_by.pk:
        with translation.override(assignee.preferred_language):
            notification_queue(
                kind="conversation_assigned",
                channel="email",
                to=assignee.email,
                subject=_("A conversation of %(network)s was assigned to you")
                % {"network": network.bin_name},
                body=_("Read and answer it here: %(url)s")
                % {"url": _conversation_url(conversation)},
            )
    ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.ASSIGN, actor=assigned_by, detail=name[:254]
    )
    return conversation


@transaction.atomic
def conversation_close(*, conversation: Conversation, closed_by: User) -> Conversation:
    """Close the conversation: the member's next message opens a new one."""
    if conversation.status == Conversation.Status.CLOSED:
        return conversation
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["status", "closed_at"])
    ConversationEvent.objects.create(conversation=conversation, kind=_Kind.CLOSE, actor=closed_by)
    return conversation


@transaction.atomic
def conversation_reopen(*, conversation: Conversation, reopened_by: User) -> Conversation:
    """Open a closed conversation again (a member's new message would open another)."""
    if conversation.status == Conversation.Status.OPEN:
        return conversation
    if Conversation.objects.filter(
        member=conversation.member_id, network=conversation.network_id,
        status=Conversation.Status.OPEN,
    ).exists() and conversation.member_id is not None:  # fmt: skip
        raise ValidationError(_("This member has another open conversation: continue that one."))
    conversation.status = Conversation.Status.OPEN
    conversation.closed_at = None
    conversation.last_activity_at = timezone.now()
    conversation.save(update_fields=["status", "closed_at", "last_activity_at"])
    ConversationEvent.objects.create(
        conversation=conversation, kind=_Kind.REOPEN, actor=reopened_by
    )
    return conversation


@transaction.atomic
def watch_words_save(*, police_zone: PoliceZone, words: dict[str, str], saved_by: User) -> None:
    """Store the zone's watch words, one word or phrase per line per language.

    An empty list for a language means: no watch words in that language.
    """
    for language, text in words.items():
        if language not in LANGUAGE_CODES:
            continue
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if any(len(line) > 60 for line in lines):
            raise ValidationError({language: _("Keep each word or phrase under 60 characters.")})
        WatchWordList.objects.update_or_create(
            police_zone=police_zone,
            language=language,
            defaults={"words": "\n".join(dict.fromkeys(lines)), "updated_by": saved_by},
        )
