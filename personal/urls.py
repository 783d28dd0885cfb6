"""The member's personal page: /me/<token>/... and the short link /m/<code>/.

One include for the whole page (namespace ``personal``); the token in the path
is resolved by ``personal.decorators.personal_page``.
"""

from django.urls import include, path

from personal.views import contact, home, house_rules, incidents, meetings, messages, surveys

app_name = "personal"

page_urlpatterns = [
    path("", home.home, name="home"),
    path("data.json", home.data, name="data"),
    path("leave/", home.leave, name="leave"),
    path("new-link/", home.new_link, name="new_link"),
    path("report/", incidents.incident_report, name="incident_report"),
    path("surveys/<int:pk>/", surveys.survey_answer_view, name="survey_answer"),
    path(
        "house-rules/accept/",
        house_rules.house_rules_accept_view,
        name="house_rules_accept",
    ),
    path("meetings/<int:pk>/rsvp/", meetings.meeting_rsvp_view, name="meeting_rsvp"),
    path("messages/<int:pk>/", messages.message_reply, name="message_reply"),
    path("contact/", contact.contact, name="contact"),
    path("contact/<int:pk>/code/", contact.contact_code, name="contact_code"),
    path("contact/<int:pk>/cancel/", contact.contact_cancel, name="contact_cancel"),
]

urlpatterns = [
    path("me/<str:token>/", include(page_urlpatterns)),
    path("m/<str:code>/", home.short_link, name="short_link"),
    # The link sent to a new email address: its secret is the key, no personal token.
    path(
        "contact/confirm/<str:secret>/",
        contact.contact_confirm_email,
        name="contact_confirm_email",
    ),
]
