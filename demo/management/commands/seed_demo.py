"""``manage.py seed_demo``: fill the database with a realistic demo: two police
zones, five networks with their streets, 300+ members and one staff login per
role, each login with a second factor already enrolled. The data and how it is
written live in the ``demo`` package (``demo.seed.seed_demo``).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEFAULT_PASSWORD
from demo.seed import SeedResult, seed_demo
from members.models import Member
from networks.models import Municipality, Network, PoliceZone


class Command(BaseCommand):
    help = (
        "Create demo police zones, networks, streets, 300+ members and one login per role "
        "(with TOTP enrolled). Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo login (default: {DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a production database: the demo "
            "admin's password and TOTP secret are public.",
        )

    def handle(self, *args, password: str, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates logins with public passwords; it runs only with DEBUG on "
                "(or --force on a throw-away database)."
            )
        started = time.monotonic()
        # member_create logs each member at INFO; 300 such lines would bury the
        # logins table below.
        member_log = logging.getLogger("members.services")
        previous_level = member_log.level
        member_log.setLevel(logging.WARNING)
        try:
            result = seed_demo(password=password)
        finally:
            member_log.setLevel(previous_level)
        self._print_logins(result, password)
        self._print_summary(result, time.monotonic() - started)

    def _print_logins(self, result: SeedResult, password: str) -> None:
        header = ("Login", "Role", "Scope", "Password", "TOTP secret")
        rows = [
            (email, role, scope, password, secret) for email, role, scope, secret in result.logins
        ]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

        def line(row) -> str:
            return "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        self.stdout.write(self.style.MIGRATE_LABEL(line(header)))
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
        self.stdout.write(
            "Every login has two-factor authentication set up. Add the secret to an "
            # The project's virtualenv (`make run` makes it): a bare `python`
            # is the system's, without Django.
            "authenticator app, or run `.venv/bin/python manage.py demo_totp <email>` to print the "
            "current 6-digit code (DEBUG only)."
        )
        self.stdout.write("")

    def _print_summary(self, result: SeedResult, seconds: float) -> None:
        User = get_user_model()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {PoliceZone.objects.count()} police zones, "
                f"{Municipality.objects.count()} municipalities, "
                f"{Network.objects.count()} networks, "
                f"{Member.objects.count()} members ({result.members_created} new), "
                f"{User.objects.count()} users ({result.users_created} new) "
                f"in {seconds:.1f} s."
            )
        )
