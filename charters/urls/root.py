"""The charters app's one URL namespace, ``charters``, under
/manage/networks/<slug>/: the charter and the founding checklist at its root
(``charters:detail``), governance, meetings and signs as the nested namespace
``charters:governance``."""

from django.urls import include, path

from charters.urls import charter

app_name = "charters"

urlpatterns = [
    path("", include(charter.urlpatterns)),
    path("", include("charters.urls.governance")),
]
