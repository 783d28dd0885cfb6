"""Governance, meetings and BIN signs of one network, under /manage/networks/<slug>/."""

from django.urls import path

from charters import views_governance, views_meetings, views_signs

app_name = "governance"

urlpatterns = [
    path("governance/", views_governance.governance_overview, name="overview"),
    path(
        "governance/screening/<int:user_id>/",
        views_governance.screening_edit,
        name="screening",
    ),
    path("governance/hand-over/", views_governance.hand_over, name="hand_over"),
    path(
        "governance/remove/<int:user_id>/",
        views_governance.coordinator_remove,
        name="remove",
    ),
    path("meetings/", views_meetings.meetings, name="meetings"),
    path("meetings/new/", views_meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views_meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/invite/", views_meetings.meeting_invite, name="meeting_invite"),
    path("meetings/<int:pk>/close/", views_meetings.meeting_close, name="meeting_close"),
    path("signs/", views_signs.signs, name="signs"),
    path("signs/new/", views_signs.sign_new, name="sign_new"),
    path("signs/<int:pk>/edit/", views_signs.sign_edit, name="sign_edit"),
    path("signs/<int:pk>/delete/", views_signs.sign_delete, name="sign_delete"),
]
