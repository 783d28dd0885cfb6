from django.contrib import admin

from networks.models import Municipality, Network, PoliceZone, RoleAssignment, Street


@admin.register(PoliceZone)
class PoliceZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "country", "api_publishing_allowed"]
    list_filter = ["api_publishing_allowed"]
    search_fields = ["name", "number"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "official_code", "province", "police_zone"]
    list_filter = ["police_zone"]
    search_fields = ["name", "official_code"]


class StreetInline(admin.TabularInline):
    model = Street
    extra = 0


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "municipality", "police_zone", "status"]
    list_filter = ["status", "kind", "country", "police_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StreetInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "role",
        "network",
        "police_zone",
        "municipality",
        "granted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["user__email"]
    # Roles change through invitations and services (audit trail, checks).
    readonly_fields = [f.name for f in RoleAssignment._meta.fields]

    def has_add_permission(self, request):
        return False
