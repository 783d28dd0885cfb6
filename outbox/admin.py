from django.contrib import admin

from outbox.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "status", "attempts"]
    list_filter = ["status", "channel", "kind"]
    # Contents may hold verification codes and personal data: not shown.
    fields = [
        "kind",
        "channel",
        "status",
        "attempts",
        "provider_id",
        "last_error",
        "created_at",
        "sent_at",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
