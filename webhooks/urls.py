"""URLs of outbound webhooks under /manage/webhooks/ (namespace ``webhooks``)."""

from django.urls import path

from webhooks.views import endpoint_action, endpoint_detail, endpoint_list, endpoint_new

app_name = "webhooks"

urlpatterns = [
    path("", endpoint_list, name="list"),
    path("new/", endpoint_new, name="new"),
    path("<int:pk>/", endpoint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", endpoint_action, name="action"),
]
