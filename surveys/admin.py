from django.contrib import admin

from surveys.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only overview: answers are never shown one by one, not even here."""

    list_display = ["title", "network", "status", "template_key", "created_at"]
    list_filter = ["status", "template_key"]
    fields = ["network", "title", "intro", "template_key", "status", "opens_at", "closes_on",
              "closed_at", "created_by", "created_at"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
