"""Navigation entries by role, for the base template."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from networks.selectors import user_roles


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    items: list[tuple[str, str]] = []
    if user is not None and user.is_authenticated:
        roles = user_roles(user=user)
        items.append((reverse("accounts:home"), _("Dashboard")))
        if roles.is_admin or roles.coordinates or roles.steering_of or roles.officer_of_zones:
            items.append((reverse("networks:mine"), _("My networks")))
        if roles.is_admin or roles.officer_of_zones or roles.coordinates:
            items.append((reverse("messaging:new"), _("New message")))
        if roles.any:
            # Every role sees at least one dashboard (reports.rules).
            items.append((reverse("reports:index"), _("Reports")))
        if roles.is_admin or roles.is_federal_viewer:
            items.append((reverse("reports:national"), _("National overview")))
        if roles.is_admin or roles.coordinator_of or roles.officer_of_zones:
            items.append((reverse("accounts:invitations"), _("Invitations")))
        if roles.is_admin or roles.officer_of_zones:
            items.append(
                (reverse("starting:requests"), pgettext_lazy("navigation", "BIN requests"))
            )
            items.append((reverse("webhooks:list"), _("Webhooks")))
    return {"nav_items": items}
