from django.contrib import admin

from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "police_zone", "is_active", "consecutive_failures", "created_at"]
    list_filter = ["is_active", "police_zone"]
    # The signing secret is shown once, to whoever registers the endpoint.
    exclude = ["secret"]
    readonly_fields = ["created_by", "disabled_at", "consecutive_failures"]

    def has_add_permission(self, request) -> bool:
        # Registered on the page (webhooks:new), which checks the target and
        # makes the secret.
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
