"""Demo staff logins: one per role, each with a known password and a second
factor already enrolled (the TOTP secret is derived from the email, so a
re-seeded database keeps working with the same authenticator app)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password

from networks.models import Municipality, Network, PoliceZone, Role
from networks.services import role_grant

if TYPE_CHECKING:
    from demo.seed import SeedResult

DEMO_EMAIL_DOMAIN = "demo.bin"
# Printed on every run on purpose: these accounts exist only in demo databases.
DEFAULT_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105


@dataclass(frozen=True)
class DemoUser:
    """A demo login and the one role it holds."""

    email: str
    first_name: str
    last_name: str
    role: str
    # Which kind of scope the role takes and the natural key of that scope.
    scope_kind: str | None = None
    scope_key: str | None = None
    language: str = "nl"


DEMO_USERS = (
    DemoUser("admin@demo.bin", "Annelies", "Declercq", Role.ADMIN),
    DemoUser("officer@demo.bin", "Kevin", "Van Hoecke", Role.OFFICER, "police_zone", "5416"),
    DemoUser(
        "coordinator@demo.bin", "Marleen", "De Vuyst", Role.COORDINATOR, "network", "oordegem"
    ),
    DemoUser(
        "cocoordinator@demo.bin",
        "Geert",
        "Van der Haegen",
        Role.CO_COORDINATOR,
        "network",
        "oordegem",
    ),
    DemoUser("steering@demo.bin", "Bert", "Schelfhout", Role.STEERING, "network", "oordegem"),
    DemoUser(
        "municipality@demo.bin", "Evelien", "Baeyens", Role.MUNICIPAL_STAFF, "municipality", "41034"
    ),
    DemoUser("federal@demo.bin", "Olivier", "Dumont", Role.FEDERAL_VIEWER, language="fr"),
    DemoUser(
        "coordinator-nl@demo.bin",
        "Marieke",
        "van der Veen",
        Role.COORDINATOR,
        "network",
        "lombok",
    ),
)


def demo_totp_secret(email: str) -> str:
    """The fixed TOTP secret of a demo login.

    Derived from the email so that a wiped and re-seeded database keeps working
    with the authenticator app the demo was first set up in. It is public by
    design (printed on every run), which is why a plain hash is good enough.
    """
    digest = hashlib.sha1(f"bin-demo-totp:{email}".encode(), usedforsecurity=False).digest()
    return base64.b32encode(digest).decode("ascii")[:32]


def _enrol_mfa(user) -> str:
    """Give the user a TOTP authenticator and recovery codes; return the secret."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = demo_totp_secret(user.email)
        TOTP.activate(user, secret)
    else:
        # Someone re-enrolled through the UI: print the secret that works now.
        secret = decrypt(totp.data["secret"])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return secret


def seed_accounts(*, password: str, networks: dict[str, Network], result: SeedResult) -> dict:
    """Create or update the demo logins with their role, verified email and
    second factor; record each login in ``result``; return the users by email."""
    User = get_user_model()
    scopes = {
        "network": networks,
        "police_zone": {zone.number: zone for zone in PoliceZone.objects.all()},
        "municipality": {m.official_code: m for m in Municipality.objects.all()},
    }
    # Hashing is slow on purpose; one shared hash (and one check per distinct
    # stored hash) keeps a re-run at a single hash computation.
    hashed = make_password(password)
    checked: dict[str, bool] = {hashed: True}
    users = {}
    admin = None
    for spec in DEMO_USERS:
        is_admin = spec.role == Role.ADMIN
        user, created = User.objects.update_or_create(
            email=spec.email,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "preferred_language": spec.language,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        result.users_created += created
        if user.password not in checked:
            checked[user.password] = check_password(password, user.password)
        if not checked[user.password]:
            # The printed table must be true: put the requested password back.
            user.password = hashed
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if is_admin:
            admin = user
        scope = {}
        scope_label = "—"
        if spec.scope_kind:
            target = scopes[spec.scope_kind][spec.scope_key]
            scope = {spec.scope_kind: target}
            scope_label = str(target)
        role_grant(granted_by=admin, user=user, role=spec.role, check_permission=False, **scope)
        secret = _enrol_mfa(user)
        result.logins.append((user.email, str(Role(spec.role).label), scope_label, secret))
        users[spec.email] = user
    return users
