"""The REST API (/api/) and the pages where staff manage their tokens."""

from django.urls import include, path

from api.views.docs import DocsView, SchemaView

app_name = "api"

urlpatterns = [
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(), name="docs"),
    path("api/v1/", include("api.urls.v1")),
    path("manage/api/tokens/", include("api.urls.tokens")),
]
