"""Twilio's webhooks, under /webhooks/twilio/ (signed machine endpoints, no login)."""

from django.urls import path

from messaging import views_webhooks

app_name = "webhooks"

urlpatterns = [
    path("status/", views_webhooks.twilio_status, name="twilio_status"),
    path("inbound/", views_webhooks.twilio_inbound, name="twilio_inbound"),
]
