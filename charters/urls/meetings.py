"""Meetings of one network (namespace ``charters:governance``, included by
``charters.urls.governance``)."""

from django.urls import path

from charters.views import meetings

urlpatterns = [
    path("meetings/", meetings.meetings, name="meetings"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/invite/", meetings.meeting_invite, name="meeting_invite"),
    path("meetings/<int:pk>/close/", meetings.meeting_close, name="meeting_close"),
]
