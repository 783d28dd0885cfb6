"""Signing in: the second factor is demanded on every internal page for every
privileged role, and guessing (passwords or codes) is throttled, with the
refusal in the user's language. tests/accounts/ holds the enrolment flow."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.urls import reverse

from accounts.middleware import _ALLOWED_PREFIXES
from networks.models import Role
from tests.accounts.test_mfa import PASSWORD, totp_now
from tests.factories import UserFactory, user_with_role
from tests.security.test_pages import crawl_plan

THROTTLED = "Too many failed login attempts. Try again later."
THROTTLED_NL = "Te veel inlogpogingen. Probeer het later nogmaals."

PRIVILEGED = {
    Role.ADMIN: None,
    Role.OFFICER: "zone",
    Role.COORDINATOR: "network",
    Role.CO_COORDINATOR: "network",
    Role.MUNICIPAL_STAFF: "municipality",
}


def test_the_privileged_roles_are_the_ones_that_need_mfa():
    # Changing this list is a decision for SECURITY.md, not a side effect.
    assert set(settings.MFA_REQUIRED_ROLES) == {str(role) for role in PRIVILEGED}
    assert {Role.STEERING, Role.FEDERAL_VIEWER}.isdisjoint(settings.MFA_REQUIRED_ROLES)


def _open_without_mfa(path: str) -> bool:
    return path == "/" or path.startswith(_ALLOWED_PREFIXES)


@pytest.mark.parametrize(("role", "scope"), list(PRIVILEGED.items()))
def test_every_internal_page_demands_mfa(client, world, role, scope):
    """Without an authenticator a privileged user reaches no internal URL at
    all, whatever the method; only enrolment and public pages stay open."""
    user = user_with_role(role, scope=getattr(world, scope) if scope else None, mfa=False)
    client.force_login(user)
    plan, _unknown = crawl_plan()
    guide = reverse("accounts:mfa_required")
    checked = 0
    for name, kwargs in plan.items():
        url = reverse(name, kwargs=kwargs(world))
        if _open_without_mfa(url):
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{name} {url}"
            assert response["Location"] == guide, f"{name} {url}"
        checked += 1
    assert checked > 40
    # htmx requests are told to leave the page, not given the guide as a fragment.
    response = client.get(reverse("networks:mine"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == guide


def test_a_superuser_without_a_role_needs_mfa_too(client, world):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    for url in (reverse("admin:index"), reverse("reports:national"), reverse("accounts:home")):
        assert client.get(url)["Location"] == reverse("accounts:mfa_required"), url


def _login(client, email: str, password: str, ip: str = "192.0.2.10"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


def test_failed_logins_are_throttled_per_ip_across_accounts(client, world):
    """One address guessing many accounts is stopped after 10 failures a minute."""
    emails = [world.users[role].email for role in ("officer", "coordinator", "admin")]
    bodies = [_login(client, emails[i % 3], "wrong").content.decode() for i in range(11)]
    assert all(THROTTLED not in body for body in bodies[:10])
    assert THROTTLED in bodies[10]
    # Right password, same address: still refused, nobody is signed in.
    assert THROTTLED in _login(client, world.users["steering"].email, PASSWORD).content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302
    # Another address is not affected.
    response = _login(client, world.users["steering"].email, PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302


def test_the_refusal_is_in_the_users_language(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    email = world.users["coordinator"].email
    for _ in range(5):
        _login(client, email, "wrong")
    body = _login(client, email, "wrong").content.decode()
    assert THROTTLED_NL in body and THROTTLED not in body


def test_wrong_second_factor_codes_are_throttled(client, world):
    """Five wrong codes, and even the right one is refused for a while."""
    officer = world.users["officer"]
    totp = Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP)
    secret = decrypt(totp.data["secret"])
    assert _login(client, officer.email, PASSWORD)["Location"] == reverse("mfa_authenticate")
    for _ in range(5):
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert response.status_code == 200
        assert THROTTLED not in response.content.decode()
    # Right now the right code would be refused whatever its window.
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302  # not signed in
