"""The founding checklist of one network (namespace ``charters``, included by
``charters.urls.charter``)."""

from django.urls import path

from charters.views import founding

urlpatterns = [
    path("founding/", founding.founding_checklist, name="founding"),
    path("founding/step/<slug:step>/", founding.founding_step, name="founding_step"),
    path(
        "founding/attachments/<int:pk>/",
        founding.founding_attachment,
        name="founding_attachment",
    ),
    path(
        "founding/attachments/<int:pk>/delete/",
        founding.founding_attachment_delete,
        name="founding_attachment_delete",
    ),
]
