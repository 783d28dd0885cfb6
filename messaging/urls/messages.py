"""URLs of messaging under /manage/messages/ (namespace ``messaging``): the
messages area, with the inbox and incidents areas included below it."""

from django.urls import include, path

from messaging.views.inbox import conversation_shared, watch_words
from messaging.views.messages import (
    message_cancel_view,
    message_cap,
    message_delete_view,
    message_detail,
    message_edit,
    message_new,
    message_progress_view,
    message_publish_view,
    message_return_view,
    message_submit_view,
    message_update,
    network_messages,
    network_problems,
)

app_name = "messaging"

urlpatterns = [
    path("new/", message_new, name="new"),
    path("<int:pk>/", message_detail, name="detail"),
    path("<int:pk>/edit/", message_edit, name="edit"),
    path("<int:pk>/publish/", message_publish_view, name="publish"),
    path("<int:pk>/update/", message_update, name="update"),
    path("<int:pk>/submit/", message_submit_view, name="submit"),
    path("<int:pk>/return/", message_return_view, name="return"),
    path("<int:pk>/cancel/", message_cancel_view, name="cancel"),
    path("<int:pk>/delete/", message_delete_view, name="delete"),
    path("<int:pk>/progress/", message_progress_view, name="progress"),
    path("<int:pk>/cap.xml", message_cap, name="cap"),
    path("network/<slug:slug>/", network_messages, name="network"),
    path("network/<slug:slug>/problems/", network_problems, name="problems"),
    # Without a namespace of their own: their names join ``messaging``.
    path("", include("messaging.urls.incidents")),
    path("", include("messaging.urls.exercises")),
    path("templates/", include("messaging.urls.templates")),
    path("network/<slug:slug>/inbox/", include("messaging.urls.inbox")),
    path("zones/<int:pk>/watch-words/", watch_words, name="watch_words"),
    path("shared/conversations/<int:pk>/", conversation_shared, name="conversation_shared"),
]
