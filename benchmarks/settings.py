"""Settings of ``make bench``: production's, with the providers swapped for
the local mocks of benchmarks/mock_servers.py.

Everything else (DEBUG off, CONN_MAX_AGE, Celery acks, logging, security
middleware) is production's, read from the same environment variables. Two
differences, both about the bench machine, not the code under test:

- SMS go through the real Twilio gateway to ``BENCH_TWILIO_BASE_URL``
  (its ``base_url`` option, meant for mock servers) with the mock's account
  limit as ``max_in_flight`` (``BENCH_MAX_IN_FLIGHT``); voice is not measured.
- Static files come from the source folders (no collectstatic step): pages
  are timed on their HTML, which the browser gets before any static file.
"""

from bin_platform.settings.production import *  # noqa: F403
from bin_platform.settings.production import env

OUTBOX_GATEWAYS = {
    "sms": {
        "BACKEND": "outbox.gateways.twilio.TwilioSMSGateway",
        "OPTIONS": {
            "base_url": env("BENCH_TWILIO_BASE_URL"),
            # The mock's account limit (its default 100), as one sets a real
            # account's: shared by every worker node through Redis.
            "max_in_flight": env.int("BENCH_MAX_IN_FLIGHT", default=100),
        },
    },
    "voice": {"BACKEND": "outbox.gateways.file.FileVoiceGateway", "OPTIONS": {}},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
