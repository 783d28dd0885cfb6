"""Starting a BIN (namespace ``starting``, included at the root by
``bin_platform/urls.py``): the public request form (/start-a-bin/) and
interest lists (/networks/<slug>/interest/), the officers' requests
(/manage/start-requests/), the interest list's invitation to an information
evening and the flyer and letter of a network (/manage/networks/<slug>/...)."""

from django.urls import path

from charters.views import starting as views

app_name = "starting"

urlpatterns = [
    path("start-a-bin/", views.request_form, name="request"),
    path("start-a-bin/sent/", views.request_sent, name="request_sent"),
    path("start-a-bin/confirm/<str:token>/", views.request_confirm, name="request_confirm"),
    path("networks/<slug:slug>/interest/", views.interest, name="interest"),
    path("networks/<slug:slug>/interest/sent/", views.interest_sent, name="interest_sent"),
    path(
        "networks/<slug:slug>/interest/confirm/<str:token>/",
        views.interest_confirm_view,
        name="interest_confirm",
    ),
    path("manage/start-requests/", views.requests_list, name="requests"),
    path("manage/start-requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("manage/start-requests/<int:pk>/open/", views.request_open, name="request_open"),
    path("manage/start-requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path(
        "manage/networks/<slug:slug>/meetings/<int:pk>/invite-interest/",
        views.meeting_invite_interest,
        name="meeting_invite_interest",
    ),
    path("manage/networks/<slug:slug>/print/<slug:kind>/", views.print_pdf, name="print"),
]
