"""Print the current TOTP code of a demo login, so a demo can be given without
an authenticator app. Development only: it hands out a live second factor."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEMO_EMAIL_DOMAIN


def current_totp_code(secret: str, *, now: float | None = None) -> tuple[str, int]:
    """The code an authenticator app shows now for ``secret``, and the seconds
    it stays valid."""
    now = time.time() if now is None else now
    period = app_settings.TOTP_PERIOD
    counter = int(now) // period
    return format_hotp_value(hotp_value(secret, counter)), period - int(now) % period


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of a demo login (@demo.bin). DEBUG only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="A demo login, e.g. coordinator@demo.bin.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (tests, throw-away demo servers).",
        )

    def handle(self, *args, email: str, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "demo_totp prints a working second factor and only runs with DEBUG=True "
                "(or --force)."
            )
        email = email.strip().lower()
        # Only seeded accounts: even on a development copy of real data this must
        # not become a way around someone's second factor.
        if not email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
            raise CommandError(f"Only demo logins (@{DEMO_EMAIL_DOMAIN}) are supported.")
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user {email}. Run `python manage.py seed_demo` first.")
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no TOTP authenticator.")
        code, remaining = current_totp_code(decrypt(authenticator.data["secret"]))
        # Code alone on stdout so it can be piped; the hint goes to stderr.
        self.stdout.write(code)
        self.stderr.write(f"valid for another {remaining} s", style_func=lambda text: text)
