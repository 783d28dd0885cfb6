from django.urls import path

from networks import views

app_name = "public"

urlpatterns = [
    path("", views.public_home, name="home"),
    path("networks/<slug:slug>/", views.public_network, name="network"),
]
