from django.urls import path

from messaging import views_alerts, views_inbox, views_reports

app_name = "messaging"

urlpatterns = [
    path("new/", views_alerts.message_new, name="new"),
    path("<int:pk>/", views_alerts.message_detail, name="detail"),
    path("<int:pk>/edit/", views_alerts.message_edit, name="edit"),
    path("<int:pk>/publish/", views_alerts.message_publish_view, name="publish"),
    path("<int:pk>/update/", views_alerts.message_update, name="update"),
    path("<int:pk>/submit/", views_alerts.message_submit_view, name="submit"),
    path("<int:pk>/return/", views_alerts.message_return_view, name="return"),
    path("<int:pk>/cancel/", views_alerts.message_cancel_view, name="cancel"),
    path("<int:pk>/progress/", views_alerts.message_progress_view, name="progress"),
    path("network/<slug:slug>/", views_alerts.network_messages, name="network"),
    path("network/<slug:slug>/reports/", views_reports.report_list_view, name="reports"),
    path("reports/<int:pk>/", views_reports.report_detail_view, name="report"),
    path("reports/<int:pk>/photo/", views_reports.report_photo, name="report_photo"),
    path("network/<slug:slug>/inbox/", views_inbox.inbox, name="inbox"),
    path("network/<slug:slug>/inbox/<int:pk>/", views_inbox.reply_detail, name="reply"),
    path(
        "network/<slug:slug>/inbox/<int:pk>/<str:action>/",
        views_inbox.reply_action,
        name="reply_action",
    ),
]
