from django.contrib import admin

from messaging.models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "police_zone"]
    list_filter = ["kind", "police_zone"]
