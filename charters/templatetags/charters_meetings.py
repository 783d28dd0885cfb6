"""Template tags of the meetings partial that other pages include (the
network page and the governance overview: the yearly member meeting warning)."""

from django import template

from charters.selectors.meetings import meeting_overdue

register = template.Library()


@register.simple_tag
def member_meeting_overdue(network) -> bool:
    return meeting_overdue(network=network)
