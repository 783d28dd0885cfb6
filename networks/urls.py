from django.urls import path

from networks import views

app_name = "networks"

urlpatterns = [
    path("networks/", views.network_mine, name="mine"),
    path("networks/<slug:slug>/", views.network_detail, name="detail"),
    path("networks/<slug:slug>/edit/", views.network_edit, name="edit"),
    path("networks/<slug:slug>/team/", views.network_team, name="team"),
    path(
        "networks/<slug:slug>/team/<int:pk>/revoke/", views.network_role_revoke, name="role_revoke"
    ),
]
