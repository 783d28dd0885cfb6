"""URLs of a network's conversations inbox (included by ``messaging.urls.messages``
under network/<slug>/inbox/)."""

from django.urls import path

from messaging.views.inbox import conversation_action, conversation_detail, inbox, reply_detail

urlpatterns = [
    path("", inbox, name="inbox"),
    path("<int:pk>/", conversation_detail, name="conversation"),
    path("<int:pk>/<str:action>/", conversation_action, name="conversation_action"),
    path("replies/<int:pk>/", reply_detail, name="reply"),
]
