"""Template tags of the charters partials on the member's personal page
(house rules, upcoming meetings), so that page needs no extra view code."""

from django import template

from charters.selectors.charter import member_house_rules_status
from charters.selectors.meetings import member_upcoming_meetings
from charters.services.meetings import MAX_GUESTS

register = template.Library()


@register.simple_tag
def house_rules_status_for(member):
    return member_house_rules_status(member=member)


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
