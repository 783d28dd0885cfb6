"""The charter and founding checklist of one network, under
/manage/networks/<slug>/ (namespace ``charters``)."""

from django.urls import path

from charters import views_charter, views_founding

app_name = "charters"

urlpatterns = [
    path("charter/", views_charter.charter_detail, name="detail"),
    path("charter/new/", views_charter.charter_start, name="start"),
    path("charter/v<int:number>/", views_charter.charter_version, name="version"),
    path("charter/v<int:number>/edit/", views_charter.charter_edit, name="edit"),
    path("charter/v<int:number>/submit/", views_charter.charter_submit, name="submit"),
    path("charter/v<int:number>/sign/", views_charter.charter_sign, name="sign"),
    path("charter/v<int:number>/pdf/", views_charter.charter_pdf, name="pdf"),
    path("founding/", views_founding.founding_checklist, name="founding"),
    path("founding/step/<slug:step>/", views_founding.founding_step, name="founding_step"),
    path(
        "founding/attachments/<int:pk>/",
        views_founding.founding_attachment,
        name="founding_attachment",
    ),
    path(
        "founding/attachments/<int:pk>/delete/",
        views_founding.founding_attachment_delete,
        name="founding_attachment_delete",
    ),
]
