from django.contrib import admin

from charters.models import HouseRules


@admin.register(HouseRules)
class HouseRulesAdmin(admin.ModelAdmin):
    list_display = ["network", "version", "published_at"]
    list_filter = ["network"]

    def get_readonly_fields(self, request, obj=None):
        # A published version never changes: publish a new one instead.
        return ["network", "version", "text"] if obj else []
