"""``{% network_count network value %}``: a count about a network as the
viewer may see it, "< 5" for a small count unless they see exact counts
(``networks.view_exact_counts``)."""

from __future__ import annotations

from django import template

from networks.selectors import suppress_small

register = template.Library()


@register.simple_tag(takes_context=True)
def network_count(context, network, value) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if value is None or (user is not None and user.has_perm("networks.view_exact_counts", network)):
        return "" if value is None else str(value)
    return suppress_small(value)
