from django.contrib import admin

from charters.models import (
    CharterSignature,
    CharterVersion,
    FoundingStep,
    HouseRules,
)


@admin.register(HouseRules)
class HouseRulesAdmin(admin.ModelAdmin):
    list_display = ["network", "version", "published_at"]
    list_filter = ["network"]

    def get_readonly_fields(self, request, obj=None):
        # A published version never changes: publish a new one instead.
        return ["network", "version", "text"] if obj else []


class CharterSignatureInline(admin.TabularInline):
    model = CharterSignature
    extra = 0
    can_delete = False
    readonly_fields = ["party", "user", "name", "role_title", "signed_at", "voided_at"]

    def has_add_permission(self, request, obj=None):
        # Signatures are given in the app, by the parties themselves.
        return False


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    """Read-only: versions change through the app's services only, and a
    signed version never changes at all."""

    list_display = ["network", "number", "status", "created_at", "signed_at"]
    list_filter = ["status", "network"]
    inlines = [CharterSignatureInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FoundingStep)
class FoundingStepAdmin(admin.ModelAdmin):
    list_display = ["network", "position", "step", "done_on", "responsible"]
    list_filter = ["step", "network"]
    readonly_fields = ["network", "step", "position", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False
