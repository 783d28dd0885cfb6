"""What accounts asks of higher apps (see ``bin_platform.hooks``)."""

from __future__ import annotations

from bin_platform.hooks import Registry

# Panels on the staff home page (``accounts:home``) that belong to higher apps,
# e.g. messaging's "unanswered alerts" and "awaiting your approval". Each entry
# is a callable ``panel(*, request, roles, networks) -> dict`` whose result is
# added to the page's template context; ``roles`` is the user's ``UserRoles``
# and ``networks`` the list of networks shown on the page. A panel returns an
# empty dict when it has nothing for this user.
home_panels = Registry("accounts.home_panels")
