"""Development settings: `make run`. DEBUG on unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import TWILIO_AUTH_TOKEN, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)

VAR_DIR.mkdir(exist_ok=True)
for sub in ("cache", "celery/queue", "celery/processed", "celery/control"):
    (VAR_DIR / sub).mkdir(parents=True, exist_ok=True)

# Without a mail server configured, emails land next to SMS and calls in
# var/outbox/, readable on /dev/outbox/ (sign-up links, welcome messages, ...).
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "outbox.gateways.file.FileEmailBackend"

# The development outbox simulates an inbound SMS by posting to the Twilio
# webhook signed with this token, as Twilio would; a real TWILIO_AUTH_TOKEN
# from the environment wins.
if DEBUG and not TWILIO_AUTH_TOKEN:
    TWILIO_AUTH_TOKEN = "local-development-only"  # noqa: S105  # nosec B105

# Webhook receivers on this machine (a test's local server, a developer's).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
