"""Settings shared by every environment.

Everything that differs between machines comes from the environment (see
``.env.example``). With no environment at all the platform runs on SQLite, a
filesystem broker and console gateways, so ``make run`` needs no server.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from bin_platform.brokers import broker_options

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A .env file is optional; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Externally visible base URL: used in links sent to people (invitations,
# personal links) and, later, for webhook signature checks behind proxies.
# Without it, links point at the development server on PORT (`make run`,
# `PORT=8811 make run`), so a link in an email or SMS opens the running site.
PUBLIC_BASE_URL = env(
    "PUBLIC_BASE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "phonenumber_field",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "django_celery_beat",
    "anymail",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # ours
    "accounts",
    "networks",
    "outbox",
    "members",
    "messaging",
    "charters",
    "surveys",
    "reports",
    "personal",
    "demo",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "bin_platform.urls"
WSGI_APPLICATION = "bin_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one SQLite file in `make run`;
    # WAL and a busy timeout keep them from tripping over each other's locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, allauth) -----------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "bin",
        }
    }
else:
    # File-based rather than per-process memory, so that rate limits hold
    # across the web and worker processes of `make run`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# Broker-dependent settings (filesystem, Redis, RabbitMQ): bin_platform/brokers.py.
_broker = broker_options(CELERY_BROKER_URL, var_dir=VAR_DIR)
CELERY_BROKER_TRANSPORT_OPTIONS = _broker.broker_transport_options
CELERY_TASK_QUEUES = _broker.task_queues
CELERY_TASK_DEFAULT_QUEUE_TYPE = _broker.task_default_queue_type
CELERY_TASK_DEFAULT_EXCHANGE_TYPE = _broker.task_default_exchange_type
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged only after it ran, and given back if the worker dies
# mid-task: tasks are idempotent, so repeating beats losing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "Europe/Brussels"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks live in the database (django-celery-beat), seeded from
# CELERY_BEAT_SCHEDULE, so an admin can see and pause them.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic sweeps that pick up work whose queueing was lost (broker down at
# commit time, worker killed): the database row is the source of truth.
CELERY_BEAT_SCHEDULE = {
    "invitation-send-pending": {
        "task": "accounts.tasks.invitation_send_pending_task",
        "schedule": 120.0,
    },
    "notification-sweep": {
        "task": "outbox.tasks.notification_sweep_task",
        "schedule": 60.0,
    },
    "delivery-sweep": {
        "task": "messaging.tasks.delivery_sweep_task",
        "schedule": 60.0,
    },
    "webhook-sweep": {
        "task": "webhooks.tasks.webhook_sweep_task",
        "schedule": 60.0,
    },
    # The dashboards' per-message delivery figures (messaging.services.delivery_figures).
    "delivery-figures-refresh": {
        "task": "messaging.tasks.delivery_figures_refresh_task",
        "schedule": 30.0,
    },
    "members-retention": {
        "task": "members.tasks.member_retention_task",
        "schedule": 3600.0,
    },
    "surveys-close-due": {
        "task": "surveys.tasks.survey_close_due_task",
        "schedule": 3600.0,
    },
    # Coordinators of networks without a member meeting for a year (at most
    # once a month per network, see charters.services.meeting_reminders_send).
    "meeting-reminders": {
        "task": "charters.tasks.meeting_reminders_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Officers of urgent alerts still without feedback after 24 hours, once
    # per alert (messaging.services.feedback.feedback_reminders_send).
    "feedback-reminders": {
        "task": "messaging.tasks.feedback_reminders_task",
        "schedule": 900.0,
    },
    # Interest lists and requests to start a BIN: hand-over on founding, erasure
    # after a year (charters.services.interest.interest_retention).
    "interest-retention": {
        "task": "charters.tasks.interest_retention_task",
        "schedule": 3600.0,
    },
    "api-idempotency-purge": {
        "task": "api.tasks.idempotency_purge_task",
        "schedule": 3600.0,
    },
}

# --- Email -------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# An API provider through django-anymail instead of SMTP, e.g.
# EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend with ANYMAIL as JSON
# ({"MAILGUN_API_KEY": "...", "WEBHOOK_SECRET": "user:pass"}).
if env("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
ANYMAIL = env.json("ANYMAIL", default={})
# Replies to alert emails: each email gets Reply-To reply+<code>@REPLY_TO_DOMAIN,
# and the provider's inbound webhook (/anymail/<provider>/inbound/) brings the
# answer back into the network's replies inbox. Empty: no Reply-To.
REPLY_TO_DOMAIN = env("REPLY_TO_DOMAIN", default="")
# The largest request an email provider's webhook may send (an inbound reply
# with its attachments, or a batch of delivery events); larger ones get 413
# before they are read. Reply texts are kept up to 10,000 characters.
EMAIL_WEBHOOK_MAX_BYTES = env.int("EMAIL_WEBHOOK_MAX_BYTES", default=10 * 1024 * 1024)
# Over SMTP: send alert emails with the envelope sender (Return-Path)
# bounce+<code>@REPLY_TO_DOMAIN, so bounces come back through the same inbound
# webhook and mark the delivery undelivered. Only if the SMTP server accepts
# that sender. API providers report bounces through anymail's tracking webhook.
EMAIL_SMTP_BOUNCES = env.bool("EMAIL_SMTP_BOUNCES", default=False)
# A hung mail server must not hold a worker (and a row lock) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BIN Platform <no-reply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- SMS and voice gateways --------------------------------------------------
# Like EMAIL_BACKEND: a class per channel and its options. Development keeps
# messages in var/outbox (file); tests use locmem. See outbox/gateways/.
SMS_GATEWAY = env("SMS_GATEWAY", default="outbox.gateways.file.FileSMSGateway")
VOICE_GATEWAY = env("VOICE_GATEWAY", default="outbox.gateways.file.FileVoiceGateway")
# max_in_flight: the provider account's limit of requests at once (Twilio:
# per account, SMS and calls together, so both carry the same limit and share
# the account's leases; see docs/architecture.md, "The sending model").
_ACCOUNT_MAX_IN_FLIGHT = env.int("SMS_MAX_IN_FLIGHT", default=100)
OUTBOX_GATEWAYS = {
    "sms": {"BACKEND": SMS_GATEWAY, "OPTIONS": {"max_in_flight": _ACCOUNT_MAX_IN_FLIGHT}},
    "voice": {"BACKEND": VOICE_GATEWAY, "OPTIONS": {"max_in_flight": _ACCOUNT_MAX_IN_FLIGHT}},
}
# Providers whose callbacks stay routed under /webhooks/<provider>/ besides
# those of the gateways above (late delivery reports after a switch-over).
OUTBOX_WEBHOOK_PROVIDERS = env.list("OUTBOX_WEBHOOK_PROVIDERS", default=["outbox.gateways.twilio"])
# Read by outbox.gateways.twilio when its OPTIONS do not say otherwise.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
# Voice per member language for calls, e.g. nl=Google.nl-BE-Standard-A; a
# language left out gets the default voice set in Twilio's console.
TWILIO_VOICES = env.dict("TWILIO_VOICES", default={})
# Scheme and host Twilio calls the webhooks on, when it differs from
# PUBLIC_BASE_URL (a proxy or tunnel in front): the signature covers that URL.
TWILIO_WEBHOOK_BASE_URL = env("TWILIO_WEBHOOK_BASE_URL", default="").rstrip("/")
# Shown in the message preview as the estimated SMS cost (euro per segment).
SMS_COST_PER_SEGMENT = env.float("SMS_COST_PER_SEGMENT", default=0.08)
# Deliveries per send task, and the most sends per second per channel for the
# whole account, shared by every worker (0 = no limit; a gateway's OPTIONS
# send_rate wins over it).
MESSAGING_FANOUT_CHUNK = env.int("MESSAGING_FANOUT_CHUNK", default=200)
MESSAGING_SEND_RATE = {
    "sms": env.float("SMS_SEND_RATE", default=0),
    "voice": env.float("VOICE_SEND_RATE", default=0),
    "email": env.float("EMAIL_SEND_RATE", default=0),
}
# Requests one worker process keeps in flight (its send threads; they only
# talk to providers, so database connections stay one per process). What an
# account allows in total is its gateway's OPTIONS max_in_flight (SMS: env
# SMS_MAX_IN_FLIGHT; Twilio's default account limit is 100) and
# EMAIL_MAX_IN_FLIGHT SMTP sessions per mail server, shared by every worker
# through OUTBOX_LIMITER_URL (Redis, default REDIS_URL; not the Celery
# broker, which may be RabbitMQ). Without it each process counts alone.
MESSAGING_SEND_THREADS = env.int("MESSAGING_SEND_THREADS", default=100)
EMAIL_MAX_IN_FLIGHT = env.int("EMAIL_MAX_IN_FLIGHT", default=10)
OUTBOX_LIMITER_URL = env("OUTBOX_LIMITER_URL", default=REDIS_URL)
# Recovery of alert sends (delivery-sweep). A row claimed longer ago than
# MESSAGING_STALE_CLAIM_SECONDS was left by a dead worker and is sent again:
# keep it well above the longest gateway call (Twilio times out after 10 s,
# SMTP after EMAIL_TIMEOUT). The sweep leaves work younger than
# MESSAGING_SWEEP_GRACE_SECONDS to the tasks already queued for it.
MESSAGING_STALE_CLAIM_SECONDS = env.float("MESSAGING_STALE_CLAIM_SECONDS", default=300)
MESSAGING_SWEEP_GRACE_SECONDS = env.float("MESSAGING_SWEEP_GRACE_SECONDS", default=30)
# First wait after a temporary gateway error (429, 5xx, timeout); it doubles
# with each attempt, up to 10 minutes.
MESSAGING_RETRY_BACKOFF_SECONDS = env.float("MESSAGING_RETRY_BACKOFF_SECONDS", default=5)
# A call that found the line busy or was not answered is dialled once more
# after this many seconds; if that fails too, the member gets the message by
# SMS (else email) instead (messaging.services.voice).
VOICE_REDIAL_SECONDS = env.float("VOICE_REDIAL_SECONDS", default=180)
# Members' replies: the automatic answer ("not watched around the clock, call
# 112 / the police") goes out at most once per conversation every
# REPLY_AUTO_ANSWER_HOURS, so two auto-responders never loop. A reply to an
# urgent alert published in the last REPLY_URGENT_ALERT_HOURS notifies the
# zone's officers and the network's coordinators at once.
REPLY_AUTO_ANSWER_HOURS = env.float("REPLY_AUTO_ANSWER_HOURS", default=4)
REPLY_URGENT_ALERT_HOURS = env.float("REPLY_URGENT_ALERT_HOURS", default=6)

# Outbound webhooks (webhooks/): how long to wait for a receiver (connect and
# each read), how much of its answer to read, the tries per event (backoff
# WEBHOOKS_RETRY_BACKOFF_SECONDS x4 per try, at most 6 h) and after how many
# failed tries in a row an endpoint is switched off.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_MAX_RESPONSE_BYTES = env.int("WEBHOOKS_MAX_RESPONSE_BYTES", default=4096)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_BACKOFF_SECONDS = env.float("WEBHOOKS_RETRY_BACKOFF_SECONDS", default=30)
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=15)
# Receivers on this machine (http://127.0.0.1:...) for development and tests
# only; production refuses loopback, private and reserved addresses and http.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# CA certificates receivers' https certificates are checked against; empty:
# certifi's bundle (public CAs).
WEBHOOKS_CA_BUNDLE = env("WEBHOOKS_CA_BUNDLE", default="")
# CAP 1.2 "sender" of every alert (messaging.selectors.cap); default
# bin@<host of PUBLIC_BASE_URL>.
CAP_SENDER = env("CAP_SENDER", default="")

# --- Auth / allauth ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "networks:public:home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BIN] "
# Throttling of logins and password resets lives in the cache above (Redis
# in production), so it holds across all web processes. "login_failed" also
# counts wrong codes at the second-factor step (per user). The nosec marks:
# bandit reads keys named "*password*" as passwords; these values are rates.
ACCOUNT_RATE_LIMITS = {  # nosec B105
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="BIN Platform")
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
# A code typed just after the 30-second boundary (or read from a phone whose
# clock is a little off) is still accepted: one step either side. allauth
# refuses a code used once already, so the wider window is no replay.
MFA_TOTP_TOLERANCE = 1

# Roles that must have a second factor before any page with network data opens.
MFA_REQUIRED_ROLES = ["admin", "officer", "coordinator", "co_coordinator", "municipal_staff"]

INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# --- Members -------------------------------------------------------------------
# Version of the privacy notice (templates/members/privacy_notice.html) that
# sign-ups accept; raise it when the text changes.
PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", default="2026-11")
SIGNUP_EMAIL_LINK_HOURS = env.int("SIGNUP_EMAIL_LINK_HOURS", default=48)
SIGNUP_SMS_CODE_MINUTES = env.int("SIGNUP_SMS_CODE_MINUTES", default=30)
# Unverified sign-ups are purged after this many days (GDPR retention).
SIGNUP_RETENTION_DAYS = env.int("SIGNUP_RETENTION_DAYS", default=30)
# A member's new email address or mobile number (personal page): how long the
# email link and the SMS code stay valid, and how many changes a member may
# ask for per 24 hours (every message to a new address costs and may annoy).
CONTACT_EMAIL_LINK_HOURS = env.int("CONTACT_EMAIL_LINK_HOURS", default=48)
CONTACT_SMS_CODE_MINUTES = env.int("CONTACT_SMS_CODE_MINUTES", default=15)
CONTACT_CHANGES_PER_DAY = env.int("CONTACT_CHANGES_PER_DAY", default=5)
# Starting a BIN (charters.services.interest): an interest list entry of a
# network not founded within this many days is erased; a decided request to
# start a BIN is erased this many days after the decision.
INTEREST_RETENTION_DAYS = env.int("INTEREST_RETENTION_DAYS", default=365)
START_REQUEST_RETENTION_DAYS = env.int("START_REQUEST_RETENTION_DAYS", default=365)
# The national dashboard reads every member and delivery: its anonymised
# figures are kept this many seconds in the cache (0: computed on every view).
REPORTS_NATIONAL_CACHE_SECONDS = env.int("REPORTS_NATIONAL_CACHE_SECONDS", default=600)

# --- I18N --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("de", _("German")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# European dates and a 24-hour clock in English too (bin_platform/formats/en/).
FORMAT_MODULE_PATH = ["bin_platform.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "BE"
PHONENUMBER_DB_FORMAT = "E164"

# --- Static --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded files (report photos) are private: served only through views that
# check permissions, never by the web server directly.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media-not-public/"
# Founding-step attachments (minutes, the paper charter, letters): the largest
# accepted upload, in bytes.
FOUNDING_ATTACHMENT_MAX_BYTES = env.int("FOUNDING_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Maps ----------------------------------------------------------------------
# Background tiles of the BIN signs map (Leaflet URL template, e.g.
# https://tile.openstreetmap.org/{z}/{x}/{y}.png). Empty: no tiles, the map
# draws the signs and the area on a plain background, and no request leaves
# the site. The tile host is added to the CSP's img-src below.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")


def _tile_origin(url: str) -> str:
    """The CSP source of a tile URL template; {s} subdomains become a wildcard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


# --- Security headers ----------------------------------------------------------
# No inline scripts or styles anywhere: everything comes from our static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST API (app `api`, docs/architecture.md "REST API") ----------------------
# Requests per API token (DRF rate syntax: "600/min", "10000/hour"), counted in
# the cache, so Redis shares the count between processes.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/min")
# Longest validity a user may give a token.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# How long the answer to a write with an Idempotency-Key is kept.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenHasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # JSON only: the browsable API would need inline scripts (CSP).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BIN Platform API",
    "DESCRIPTION": (
        "REST API of the BIN Platform for dispatch systems, municipal systems and "
        "alerting tools. Authenticate with `Authorization: Bearer <token>`; a staff user "
        "creates tokens at /manage/api/tokens/. A token never has more rights than its "
        "owner's roles, narrowed by its scopes. Errors are application/problem+json."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NetworkStatusEnum": "networks.models.Network.Status",
        "NetworkKindEnum": "networks.models.Network.Kind",
        "MessageStatusEnum": "messaging.models.Message.Status",
        "MessageKindEnum": "messaging.models.Message.Kind",
        "MemberReportStatusEnum": "messaging.models.IncidentReport.Status",
        "MemberReportCategoryEnum": "messaging.models.IncidentReport.Category",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"mask_tokens": {"()": "bin_platform.logfilters.MaskSecretTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The Twilio SDK logs every request's URL and headers at INFO: ten
        # lines per SMS, a real cost in a 10,000-member alert. Errors still show.
        "twilio.http_client": {"level": env("TWILIO_LOG_LEVEL", default="WARNING")},
        # runserver's request log, through our handler so tokens are masked.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
