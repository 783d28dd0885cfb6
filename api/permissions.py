"""Scopes as DRF permissions. A view names the scope of each HTTP method;
its object checks use the same django-rules permissions as the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.models import ApiToken


class TokenHasScope(BasePermission):
    """The request carries an API token with the scope the view names for
    the method (``view.scopes``: {"GET": Scope..., "POST": Scope...})."""

    message = _("This token lacks the scope this operation needs.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        needed = getattr(view, "scopes", {}).get(request.method)
        return needed is not None and token.has_scope(needed)
