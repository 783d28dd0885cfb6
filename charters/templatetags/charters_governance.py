"""Template tags for pages of other apps that show governance data: the
network overview (the yearly member meeting warning)."""

from django import template

from charters.selectors_governance import meeting_overdue

register = template.Library()


@register.simple_tag
def member_meeting_overdue(network) -> bool:
    return meeting_overdue(network=network)
