"""Settings for the test suite.

SQLite and in-memory cache by default; under CI (or whenever DATABASE_URL and
REDIS_URL are set) the same suite runs on PostgreSQL and Redis.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL, VAR_DIR, env

DEBUG = False
# Only ever used by the test suite; production.py refuses to start without its own.
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105  # nosec B105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read sent mail from django.core.mail.outbox, unless EMAIL_URL is given
# (the integration tests point a real worker at a real SMTP server).
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif env("PYTEST_XDIST_WORKER", default=""):
    # Parallel test processes each get their own Redis database: the suite
    # clears the cache between tests, which must not reset another's counters.
    import re

    _worker = int(re.sub(r"\D", "", env("PYTEST_XDIST_WORKER")) or 0)
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    CACHES["default"]["LOCATION"] = f"{_base}/{2 + _worker}"

# locmem unless a test process is told otherwise (the worker process of the
# integration tests writes to files the test reads, or calls the Twilio
# gateway pointed at a mock server: SMS_GATEWAY_OPTIONS, JSON).
OUTBOX_GATEWAYS = {
    "sms": {
        "BACKEND": env("SMS_GATEWAY", default="outbox.gateways.locmem.LocmemSMSGateway"),
        "OPTIONS": env.json("SMS_GATEWAY_OPTIONS", default={}),
    },
    "voice": {
        "BACKEND": env("VOICE_GATEWAY", default="outbox.gateways.locmem.LocmemVoiceGateway"),
        "OPTIONS": {},
    },
}

# Tasks run inline unless a test starts a real worker (tests/integration).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

VAR_DIR.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Webhook receivers on this machine (a test's local server, a developer's).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
