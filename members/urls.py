from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.member_list_view, name="list"),
    path("<int:pk>/", views.member_detail, name="detail"),
]
