"""Member list import and export, under /manage/networks/<slug>/members/io/."""

from django.urls import path

from members.views import imports as views

app_name = "imports"

urlpatterns = [
    path("import/", views.import_upload, name="upload"),
    path("import/<int:pk>/", views.import_preview_view, name="preview"),
    path("import/<int:pk>/errors.csv", views.import_errors, name="errors"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("template.csv", views.import_template, name="template"),
]
