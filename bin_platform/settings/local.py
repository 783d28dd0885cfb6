"""Development settings: `make run`. DEBUG on unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)

VAR_DIR.mkdir(exist_ok=True)
for sub in ("cache", "celery/queue", "celery/processed", "celery/control"):
    (VAR_DIR / sub).mkdir(parents=True, exist_ok=True)

# Without a mail server configured, emails land next to SMS and calls in
# var/outbox/, readable on /dev/outbox/ (sign-up links, welcome messages, ...).
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "outbox.gateways.file.FileEmailBackend"

# Webhook receivers on this machine (a test's local server, a developer's).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
