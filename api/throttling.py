"""Rate limit per API token, counted in the cache (Redis in production)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """``API_RATE_LIMIT`` requests per token (e.g. "600/min"), read at each
    request so a deployment can change it without code."""

    scope = "api_token"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def allow_request(self, request, view) -> bool:
        # The rate is read per request (the parent reads it once, at creation).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if not isinstance(token, ApiToken):
            return None
        # The random public prefix, not the row id: unique even across databases
        # that share one cache.
        return f"api:throttle:{token.prefix}"
