"""Template tags for the partials other apps' pages include (network page),
so those pages need no extra view code."""

from django import template

from charters.selectors import charter_in_force, founding_progress

register = template.Library()


@register.simple_tag
def founding_progress_for(network):
    return founding_progress(network=network)


@register.simple_tag
def charter_in_force_for(network):
    return charter_in_force(network=network)
