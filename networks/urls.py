"""The networks app's one URL namespace, ``networks``: the public pages as
the nested namespace ``networks:public`` (/ and /networks/<slug>/), the
internal network pages under /manage/networks/."""

from django.urls import include, path

from networks import views

app_name = "networks"

public_patterns = [
    path("", views.public_home, name="home"),
    path("networks/<slug:slug>/", views.public_network, name="network"),
]

manage_patterns = [
    path("networks/", views.network_mine, name="mine"),
    path("networks/<slug:slug>/", views.network_detail, name="detail"),
    path("networks/<slug:slug>/edit/", views.network_edit, name="edit"),
    path("networks/<slug:slug>/team/", views.network_team, name="team"),
    path(
        "networks/<slug:slug>/team/<int:pk>/revoke/", views.network_role_revoke, name="role_revoke"
    ),
]

urlpatterns = [
    path("", include((public_patterns, "public"))),
    path("manage/", include(manage_patterns)),
]
