"""Template tags of the founding partial that the network page includes
(``charters/founding/_progress.html``), so that page needs no extra view code."""

from django import template

from charters.selectors.charter import charter_in_force
from charters.selectors.founding import founding_progress

register = template.Library()


@register.simple_tag
def founding_progress_for(network):
    return founding_progress(network=network)


@register.simple_tag
def charter_in_force_for(network):
    return charter_in_force(network=network)
