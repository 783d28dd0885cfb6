"""URLs of rehearsing a draft, included by ``messaging.urls.messages`` under
/manage/messages/ (names join the ``messaging`` namespace)."""

from django.urls import path

from messaging.views.exercises import message_exercise, message_self_test

urlpatterns = [
    path("<int:pk>/test/", message_self_test, name="self_test"),
    path("<int:pk>/exercise/", message_exercise, name="exercise"),
]
