from django.urls import path

from messaging.views.dev import dev_outbox

app_name = "dev"

urlpatterns = [path("outbox/", dev_outbox, name="outbox")]
