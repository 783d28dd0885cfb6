"""URLs of a network's replies inbox (included by ``messaging.urls.messages``
under network/<slug>/inbox/)."""

from django.urls import path

from messaging.views.inbox import inbox, reply_action, reply_detail

urlpatterns = [
    path("", inbox, name="inbox"),
    path("<int:pk>/", reply_detail, name="reply"),
    path("<int:pk>/<str:action>/", reply_action, name="reply_action"),
]
