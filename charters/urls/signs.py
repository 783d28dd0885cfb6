"""The BIN signs of one network (namespace ``charters:governance``, included by
``charters.urls.governance``)."""

from django.urls import path

from charters.views import signs

urlpatterns = [
    path("signs/", signs.signs, name="signs"),
    path("signs/new/", signs.sign_new, name="sign_new"),
    path("signs/<int:pk>/edit/", signs.sign_edit, name="sign_edit"),
    path("signs/<int:pk>/delete/", signs.sign_delete, name="sign_delete"),
]
