"""Members' panel on the staff home page (``accounts.hooks.home_panels``):
new addresses outside the area that wait for a decision, as sign-ups wait in
the approval queue. Filled in by ``MembersConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest

from members.models import ContactChange, Member
from networks.models import Network
from networks.selectors import UserRoles


def home_panel_contact_changes(
    *, request: HttpRequest, roles: UserRoles, networks: list[Network]
) -> dict[str, Any]:
    """For those who manage members (coordinators, co-coordinators, the zone's
    officers, admins): per network, how many new addresses wait."""
    handled = [n for n in networks if request.user.has_perm("members.manage_members", n)]
    if not handled:
        return {}
    counts = dict(
        ContactChange.objects.filter(
            member__network__in=handled, status=ContactChange.Status.AWAITING_DECISION
        )
        .exclude(member__status=Member.Status.LEFT)
        .values_list("member__network")
        .annotate(n=Count("pk"))
        .values_list("member__network", "n")
    )
    waiting = [(n, counts[n.pk]) for n in handled if counts.get(n.pk)]
    return {"contact_changes_waiting": waiting} if waiting else {}
