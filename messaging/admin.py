from django.contrib import admin

from messaging.models import MessageTemplate, WatchWordList


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "police_zone"]
    list_filter = ["kind", "police_zone"]


@admin.register(WatchWordList)
class WatchWordListAdmin(admin.ModelAdmin):
    """Zones' officers edit these on the zone's watch words page; admins here too."""

    list_display = ["police_zone", "language", "updated_at"]
    list_filter = ["language", "police_zone"]
    readonly_fields = ["updated_at", "updated_by"]
