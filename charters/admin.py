from django.contrib import admin

from charters.models import (
    CharterSignature,
    CharterVersion,
    FoundingStep,
    GovernanceEvent,
    HouseRules,
    InterestEntry,
    Meeting,
    ScreeningRecord,
    Sign,
    StartRequest,
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


@admin.register(GovernanceEvent)
class GovernanceEventAdmin(admin.ModelAdmin):
    """The governance log is append-only: the admin only reads it."""

    list_display = ["at", "network", "action", "actor", "subject_user"]
    list_filter = ["action", "network"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(admin.ModelAdmin):
    """Read-only here: the mandated officer records screenings in the app, so
    each change is logged as a governance event."""

    list_display = ["network", "user", "consent_on", "outcome", "decided_on", "recorded_by"]
    list_filter = ["outcome", "network"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["network", "kind", "starts_at", "status", "attendance"]
    list_filter = ["kind", "status", "network"]
    readonly_fields = ["invitation", "created_by", "created_at", "updated_at"]


@admin.register(Sign)
class SignAdmin(admin.ModelAdmin):
    list_display = ["network", "street", "house_number", "state", "placed_on"]
    list_filter = ["state", "network"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(StartRequest)
class StartRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are answered in the app; an admin may erase one
    sooner at the requester's or the officer's request."""

    list_display = ["municipality", "street", "status", "created_at"]
    list_filter = ["status"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InterestEntry)
class InterestEntryAdmin(admin.ModelAdmin):
    """Read-only; an admin may erase an entry sooner when asked."""

    list_display = ["network", "created_at", "email_verified_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
