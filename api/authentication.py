"""``Authorization: Bearer bin_…`` for the REST API (DRF authentication)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.selectors.tokens import api_token_for_secret
from api.services.tokens import api_token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """The token's owner becomes ``request.user`` and the token ``request.auth``.

    The owner's roles are read fresh on every request (``user_roles`` memoises
    per user object, and the object is new each time), so a revoked role or
    token stops the next request."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give one token after Bearer."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = api_token_for_secret(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid, has expired or was revoked.")
            )
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
