from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("dashboard/", views.home, name="home"),
    path("accounts/notifications/", views.notification_settings, name="notifications"),
    path("accounts/mfa-required/", views.mfa_required, name="mfa_required"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("team/invitations/", views.invitation_list, name="invitations"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]
