"""Governance, meetings and BIN signs of one network, under
/manage/networks/<slug>/ (namespace ``charters:governance``)."""

from django.urls import path

from charters.urls import meetings, signs
from charters.views import governance

app_name = "governance"

urlpatterns = [
    path("governance/", governance.governance_overview, name="overview"),
    path(
        "governance/screening/<int:user_id>/",
        governance.screening_edit,
        name="screening",
    ),
    path("governance/hand-over/", governance.hand_over, name="hand_over"),
    path(
        "governance/remove/<int:user_id>/",
        governance.coordinator_remove,
        name="remove",
    ),
    *meetings.urlpatterns,
    *signs.urlpatterns,
]
