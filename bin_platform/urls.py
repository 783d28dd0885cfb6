import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, include, path

from bin_platform import views
from members import views_self as members_views_self

# The admin login goes through allauth, so MFA and rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "BIN Platform"


def anymail_webhook_urls(email_backend: str) -> list[URLPattern]:
    """The webhooks of the email provider in use, and no other.

    django-anymail's URLconf has one per provider; unconfigured ones answer
    anyone with a server error (missing secret or package), so they stay out.
    """
    from anymail import urls as anymail_urls

    match = re.fullmatch(r"anymail\.backends\.(\w+)\.\w+", email_backend)
    if not match:
        return []
    return [p for p in anymail_urls.urlpatterns if (p.name or "").startswith(f"{match[1]}_")]


urlpatterns = [
    path("networks/<slug:slug>/join/", include("members.signup_urls")),
    path("", include("networks.public_urls")),
    path("healthz/", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("manage/networks/<slug:slug>/members/io/", include("members.import_urls")),
    path("manage/networks/<slug:slug>/members/", include("members.urls")),
    path("manage/messages/", include("messaging.urls.messages")),
    path("manage/networks/<slug:slug>/surveys/", include("surveys.urls")),
    path("manage/networks/<slug:slug>/", include("charters.urls")),
    path("manage/networks/<slug:slug>/", include("charters.governance_urls")),
    path("manage/reports/", include("reports.urls")),
    path("manage/", include("networks.urls")),
    path("me/<str:token>/", include("members.self_service_urls")),
    path("m/<str:code>/", members_views_self.short_link, name="member_short_link"),
    path("dev/", include("messaging.dev_urls")),  # answers 404 unless DEBUG
    # Inbound email replies (and delivery events) from an API email provider.
    path("anymail/", include((anymail_webhook_urls(settings.EMAIL_BACKEND), "anymail"))),
    path("webhooks/twilio/", include("messaging.webhook_urls")),
    path("admin/", admin.site.urls),
]
