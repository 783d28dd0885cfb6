"""Template tags for pages of other apps that show governance data: the
member's personal page (upcoming meetings) and the network overview (the
yearly member meeting warning)."""

from django import template

from charters.selectors_governance import meeting_overdue, member_upcoming_meetings

register = template.Library()


@register.simple_tag
def upcoming_meetings_for(member):
    """[(meeting, rsvp or None), ...] for an active member, else []."""
    if member is None or member.status != member.Status.ACTIVE:
        return []
    return member_upcoming_meetings(member=member)


@register.simple_tag
def rsvp_max_guests() -> int:
    """The most people a member may bring (charters.services.MAX_GUESTS)."""
    from charters.services.meetings import MAX_GUESTS

    return MAX_GUESTS


@register.simple_tag
def member_meeting_overdue(network) -> bool:
    return meeting_overdue(network=network)
