import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, include, path

from bin_platform import views
from bin_platform.webhooks import body_limited

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
    # An inbound email (with attachments) is bounded before anymail reads it.
    limit = body_limited(settings.EMAIL_WEBHOOK_MAX_BYTES)
    return [
        URLPattern(p.pattern, limit(p.callback), p.default_args, p.name)
        for p in anymail_urls.urlpatterns
        if (p.name or "").startswith(f"{match[1]}_")
    ]


urlpatterns = [
    path("", include("members.urls.root")),  # sign-up, staff member pages, import/export
    path("", include("networks.urls")),  # public pages and /manage/networks/
    path("healthz/", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("manage/messages/", include("messaging.urls.messages")),
    path("manage/networks/<slug:slug>/surveys/", include("surveys.urls")),
    path("manage/networks/<slug:slug>/", include("charters.urls.root")),
    # Starting a BIN: /start-a-bin/, interest lists, officers' requests, flyers.
    path("", include("charters.urls.starting")),
    path("manage/reports/", include("reports.urls")),
    path("manage/webhooks/", include("webhooks.urls")),
    path("", include("personal.urls")),  # /me/<token>/ and /m/<code>/
    path("", include("api.urls.root")),  # /api/ (REST, schema, docs) and token pages
    # The development outbox (404 unless DEBUG) and the SMS/voice providers' callbacks.
    path("", include("outbox.urls")),
    # Inbound email replies (and delivery events) from an API email provider.
    path("anymail/", include((anymail_webhook_urls(settings.EMAIL_BACKEND), "anymail"))),
    path("admin/", admin.site.urls),
]
