"""URLs of the message template library (included by ``messaging.urls.messages``
under templates/)."""

from django.urls import path

from messaging.views.templates import template_delete, template_edit, template_list, template_new

urlpatterns = [
    path("", template_list, name="templates"),
    path("new/", template_new, name="template_new"),
    path("<int:pk>/edit/", template_edit, name="template_edit"),
    path("<int:pk>/delete/", template_delete, name="template_delete"),
]
