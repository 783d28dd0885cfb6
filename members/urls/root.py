"""The members app's one URL namespace, ``members``: the staff pages at its
root (``members:list``), the public sign-up (``members:signup:join``) and
import/export (``members:imports:upload``) as nested namespaces of their area."""

from django.urls import include, path

from members.urls import staff

app_name = "members"

urlpatterns = [
    path("networks/<slug:slug>/join/", include("members.urls.signup")),
    path("manage/networks/<slug:slug>/members/io/", include("members.urls.imports")),
    path("manage/networks/<slug:slug>/members/", include(staff.urlpatterns)),
]
