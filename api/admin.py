from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners on /manage/api/tokens/; an admin can
    see them and revoke one (set "revoked at"), never read a secret."""

    list_display = ["name", "prefix", "user", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["user", "prefix", "secret_hash", "scopes", "created_at", "last_used_at"]
    fields = [*readonly_fields, "name", "expires_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False
