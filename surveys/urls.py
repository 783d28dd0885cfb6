"""Staff pages of a network's surveys, under /manage/networks/<slug>/surveys/."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/questions/new/", views.question_edit, name="question_add"),
    path("<int:pk>/questions/<int:qpk>/", views.question_edit, name="question_edit"),
    path(
        "<int:pk>/questions/<int:qpk>/<str:action>/",
        views.question_action,
        name="question_action",
    ),
    path("<int:pk>/open/", views.survey_open, name="open"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/results.csv", views.survey_export, {"fmt": "csv"}, name="export_csv"),
    path("<int:pk>/results.xlsx", views.survey_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/summary/", views.survey_summary, name="summary"),
]
