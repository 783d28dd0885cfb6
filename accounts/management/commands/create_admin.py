"""Create (or promote) the first platform administrator.

Staff accounts normally come from invitations, but somebody has to send the
first one. This is that somebody: a superuser with the admin role, a verified
address, and MFA to set up at first sign-in.
"""

from __future__ import annotations

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from networks.models import Role
from networks.services import role_grant


class Command(BaseCommand):
    help = (
        "Create or promote a platform administrator (password from a prompt or BIN_ADMIN_PASSWORD)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, email: str, first_name: str, last_name: str, **options) -> None:
        email = email.strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        password = os.environ.get("BIN_ADMIN_PASSWORD", "")
        if user is None and not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        if password:
            try:
                validate_password(password, user=user or User(email=email))
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            if user is None:
                user = User.objects.create_superuser(
                    email=email, password=password, first_name=first_name, last_name=last_name
                )
                created = True
            else:
                user.is_superuser = user.is_staff = True
                if password:
                    user.set_password(password)
                user.save()
                created = False
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"primary": True, "verified": True}
            )
            role_grant(granted_by=None, user=user, role=Role.ADMIN, check_permission=False)
        verb = "Created" if created else "Promoted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} administrator {user.email}. At first sign-in they set up "
                "two-factor authentication, then invite everyone else."
            )
        )
