"""MFA is enforced for every privileged role, and enrolment is guided."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from networks.models import Role
from tests.factories import enable_totp, user_with_role

PASSWORD = "correct horse battery"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def login(client, email: str):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("role", "scope_attr"),
    [
        (Role.OFFICER, "zone"),
        (Role.COORDINATOR, "network"),
        (Role.CO_COORDINATOR, "network"),
        (Role.MUNICIPAL_STAFF, "municipality"),
        (Role.ADMIN, None),
    ],
)
def test_privileged_roles_are_sent_to_enrolment(client, world, role, scope_attr):
    user = user_with_role(role, scope=getattr(world, scope_attr) if scope_attr else None, mfa=False)
    client.force_login(user)
    for url in (
        reverse("accounts:home"),
        reverse("networks:detail", kwargs={"slug": world.network.slug}),
        reverse("members:list", kwargs={"slug": world.network.slug}),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("accounts:mfa_required"), url
    guide = client.get(reverse("accounts:mfa_required"))
    assert guide.status_code == 200
    assert reverse("mfa_activate_totp") in guide.content.decode()


def test_guided_enrolment_then_access(client, world):
    officer = user_with_role(Role.OFFICER, scope=world.zone, mfa=False)
    response = login(client, officer.email)
    assert response.status_code == 302
    # First landing after login is the guide.
    assert client.get(response["Location"])["Location"] == reverse("accounts:mfa_required")
    # Changing the second factor always asks for the password again first.
    page = client.get(reverse("mfa_activate_totp"))
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(page["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    # Recovery codes come with the authenticator and are shown next.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=officer).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get(reverse("accounts:home")).status_code == 200
    detail = client.get(reverse("networks:detail", kwargs={"slug": world.network.slug}))
    assert detail.status_code == 200


def test_login_asks_for_the_second_factor(client, world):
    officer = world.users["officer"]
    secret = Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP)
    from allauth.mfa.utils import decrypt

    secret = decrypt(secret.data["secret"])
    response = login(client, officer.email)
    assert response["Location"] == reverse("mfa_authenticate")
    # Without the code the user is not signed in.
    assert client.get(reverse("accounts:home")).status_code == 302
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_roles_without_member_data_do_not_need_mfa(client, world):
    for role, scope in ((Role.FEDERAL_VIEWER, None), (Role.STEERING, world.network)):
        user = user_with_role(role, scope=scope, mfa=False)
        client.force_login(user)
        assert client.get(reverse("accounts:home")).status_code == 200


def test_enrolled_user_passes(client, world):
    user = user_with_role(Role.OFFICER, scope=world.zone, mfa=False)
    enable_totp(user)
    client.force_login(user)
    assert client.get(reverse("accounts:home")).status_code == 200


def _code_steps_away(secret: str, steps: int) -> str:
    # Not within two seconds of a boundary, so "one step ago" stays one step ago
    # until the request is answered.
    while int(time.time()) % 30 > 27:
        time.sleep(0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps))


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_a_code_one_step_off_is_accepted(client, world, steps, accepted):
    # A code typed just after the 30-second boundary, or from a phone whose clock
    # is a few seconds off, signs in; two steps off does not.
    officer = world.users["officer"]
    from allauth.mfa.utils import decrypt

    secret = decrypt(
        Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP).data["secret"]
    )
    login(client, officer.email)
    response = client.post(reverse("mfa_authenticate"), {"code": _code_steps_away(secret, steps)})
    assert (response.status_code == 302) is accepted
    assert (client.get(reverse("accounts:home")).status_code == 200) is accepted
