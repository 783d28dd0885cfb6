"""The public sign-up of a network: /networks/<slug>/join/..."""

from django.urls import path

from members.views import signup as views

app_name = "signup"

urlpatterns = [
    path("", views.join, name="join"),
    path("verify/", views.verify, name="verify"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("done/", views.done, name="done"),
    path("privacy/", views.privacy, name="privacy"),
]
