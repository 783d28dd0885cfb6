from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("national/", views.national, name="national"),
    path("national/export/<str:fmt>/", views.national_export, name="national_export"),
    path("zone/<int:pk>/", views.zone, name="zone"),
    path("zone/<int:pk>/export/<str:fmt>/", views.zone_export, name="zone_export"),
    path("municipality/<int:pk>/", views.municipality, name="municipality"),
    path(
        "municipality/<int:pk>/export/<str:fmt>/",
        views.municipality_export,
        name="municipality_export",
    ),
    path("network/<slug:slug>/", views.network, name="network"),
    path("network/<slug:slug>/export/<str:fmt>/", views.network_export, name="network_export"),
    path("network/<slug:slug>/households/", views.households, name="households"),
]
