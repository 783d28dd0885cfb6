"""Template tags for the partials other apps' pages include (network page,
member's personal page), so those pages need no extra view code."""

from django import template

from charters.selectors import charter_in_force, founding_progress, member_house_rules_status

register = template.Library()


@register.simple_tag
def founding_progress_for(network):
    return founding_progress(network=network)


@register.simple_tag
def charter_in_force_for(network):
    return charter_in_force(network=network)


@register.simple_tag
def house_rules_status_for(member):
    return member_house_rules_status(member=member)
