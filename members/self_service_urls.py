"""A member's personal page under /me/<token>/ (see members.tokens)."""

from django.urls import path

from charters import views_self as charters_views_self
from charters import views_self_meetings
from members import views_self
from messaging import views_reports
from surveys import views_self as surveys_views_self

app_name = "self_service"

urlpatterns = [
    path("", views_self.self_home, name="home"),
    path("data.json", views_self.self_data, name="data"),
    path("leave/", views_self.self_leave, name="leave"),
    path("new-link/", views_self.self_new_link, name="new_link"),
    path("report/", views_reports.self_report, name="report"),
    path("surveys/<int:pk>/", surveys_views_self.survey_answer, name="survey_answer"),
    path(
        "house-rules/accept/",
        charters_views_self.self_house_rules_accept,
        name="house_rules_accept",
    ),
    path("meetings/<int:pk>/rsvp/", views_self_meetings.meeting_rsvp_view, name="meeting_rsvp"),
]
