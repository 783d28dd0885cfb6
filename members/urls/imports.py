"""Member list import and export, under /manage/networks/<slug>/members/io/."""

from django.urls import path

from members.views import imports as views_import

app_name = "member_import"

urlpatterns = [
    path("import/", views_import.import_upload, name="upload"),
    path("import/<int:pk>/", views_import.import_preview_view, name="preview"),
    path("import/<int:pk>/errors.csv", views_import.import_errors, name="errors"),
    path("export.csv", views_import.export_csv, name="export_csv"),
    path("export.xlsx", views_import.export_xlsx, name="export_xlsx"),
    path("template.csv", views_import.import_template, name="template"),
]
