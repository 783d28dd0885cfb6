from django.contrib import admin

from members.models import ConsentRecord, Member


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    readonly_fields = ["subject", "version", "given_at", "method", "recorded_by", "withdrawn_at"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "street", "status", "language"]
    list_filter = ["status", "language", "network"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["network"]
    inlines = [ConsentInline]
