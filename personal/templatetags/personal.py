"""Template tags of the personal page's home: the member's open surveys,
upcoming meetings, house rules and received messages, read from the apps that own them."""

from django import template

from charters.selectors.charter import member_house_rules_status
from charters.selectors.meetings import member_upcoming_meetings
from charters.services.meetings import MAX_GUESTS
from messaging.selectors.conversations import (
    member_conversations_by_message,
    member_received_messages,
)
from surveys.selectors import member_open_surveys

register = template.Library()


@register.simple_tag
def open_surveys_for(member):
    return list(member_open_surveys(member=member)) if member is not None else []


@register.simple_tag
def upcoming_meetings_for(member):
    """[(meeting, rsvp or None), ...] for an active member, else []."""
    if member is None or member.status != member.Status.ACTIVE:
        return []
    return member_upcoming_meetings(member=member)


@register.simple_tag
def rsvp_max_guests() -> int:
    """The most people a member may bring (charters.services.meetings.MAX_GUESTS)."""
    return MAX_GUESTS


@register.simple_tag
def house_rules_status_for(member):
    return member_house_rules_status(member=member)


@register.simple_tag
def received_messages_for(member):
    """[(message, texts in the member's language, own thread), ...], most recent first."""
    if member is None:
        return []
    threads = member_conversations_by_message(member=member)
    return [
        (message, texts, threads.get(message.pk, []))
        for message, texts in member_received_messages(member=member)
    ]
