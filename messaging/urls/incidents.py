"""URLs of members' incident reports (included by ``messaging.urls.messages``)."""

from django.urls import path

from messaging.views.incidents import (
    incident_detail_view,
    incident_list_view,
    incident_photo,
    incident_share_municipality_view,
    incident_share_view,
)

urlpatterns = [
    path("network/<slug:slug>/reports/", incident_list_view, name="incidents"),
    path("reports/<int:pk>/", incident_detail_view, name="incident"),
    path("reports/<int:pk>/photo/", incident_photo, name="incident_photo"),
    path("reports/<int:pk>/share/", incident_share_view, name="incident_share"),
    path(
        "reports/<int:pk>/share-municipality/",
        incident_share_municipality_view,
        name="incident_share_municipality",
    ),
]
