"""URLs of members' incident reports (included by ``messaging.urls.messages``)."""

from django.urls import path

from messaging.views.incidents import incident_detail_view, incident_list_view, incident_photo

urlpatterns = [
    path("network/<slug:slug>/reports/", incident_list_view, name="incidents"),
    path("reports/<int:pk>/", incident_detail_view, name="incident"),
    path("reports/<int:pk>/photo/", incident_photo, name="incident_photo"),
]
