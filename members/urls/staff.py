from django.urls import path

from members.views import contact_changes
from members.views import staff as views

urlpatterns = [
    path("", views.member_list_view, name="list"),
    path("queue/", views.member_queue, name="queue"),
    path("add/", views.member_add, name="add"),
    path("bulk/", views.member_bulk, name="bulk"),
    path("audit/", views.audit_log_view, name="audit"),
    path("rejections/", views.rejection_list_view, name="rejections"),
    path("contact-changes/", contact_changes.contact_change_list, name="contact_changes"),
    path(
        "contact-changes/<int:pk>/decide/",
        contact_changes.contact_change_decide_view,
        name="contact_change_decide",
    ),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/data/", views.member_access_report, name="access_report"),
    path(
        "<int:pk>/<str:action>/",
        views.member_action,
        name="action",
    ),
]
