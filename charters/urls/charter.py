"""The charter and founding checklist of one network, under
/manage/networks/<slug>/ (at the root of the namespace ``charters``)."""

from django.urls import path

from charters.urls import founding
from charters.views import charter

urlpatterns = [
    path("charter/", charter.charter_detail, name="detail"),
    path("charter/new/", charter.charter_start, name="start"),
    path("charter/v<int:number>/", charter.charter_version, name="version"),
    path("charter/v<int:number>/edit/", charter.charter_edit, name="edit"),
    path("charter/v<int:number>/submit/", charter.charter_submit, name="submit"),
    path("charter/v<int:number>/sign/", charter.charter_sign, name="sign"),
    path("charter/v<int:number>/pdf/", charter.charter_pdf, name="pdf"),
    *founding.urlpatterns,
]
