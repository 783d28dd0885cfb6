"""What every API view shares: the owner's permission checks and filters."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, generics


class ApiView(generics.GenericAPIView):
    """A view of the REST API. ``scopes`` names the token scope per method;
    object checks use the pages' django-rules permissions on the owner."""

    scopes: dict[str, str] = {}
    filter_serializer_class = None

    def filters(self) -> dict:
        """The query parameters, checked by ``filter_serializer_class`` (400 if wrong)."""
        if self.filter_serializer_class is None:
            return {}
        serializer = self.filter_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def require(self, perm: str, obj, *, message: str | None = None) -> None:
        """403 unless the token's owner has ``perm`` on ``obj``, as on the pages."""
        if not self.request.user.has_perm(perm, obj):
            raise exceptions.PermissionDenied(message or _("Your roles do not allow this."))

    def visible(self, perm: str, obj) -> None:
        """404 unless the owner may see ``obj`` at all (no hint that it exists)."""
        if not self.request.user.has_perm(perm, obj):
            raise exceptions.NotFound()


class NotFoundView(ApiView):
    """Any other path under /api/v1/: 404 as problem+json, not the HTML page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
