from django.contrib import admin

from members.models import AuditEntry, ConsentRecord, Member


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    readonly_fields = ["subject", "version", "given_at", "method", "recorded_by", "withdrawn_at"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "street", "status", "language"]
    list_filter = ["status", "language", "network"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["network"]
    inlines = [ConsentInline]

    # Members change through the app, where every change is audited and
    # removal erases properly; the admin only looks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited."""

    list_display = ["created_at", "actor", "action", "network", "member_id_ref"]
    list_filter = ["action", "network"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
