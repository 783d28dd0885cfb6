from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from networks.selectors import user_roles


def test_create_admin(db, monkeypatch):
    monkeypatch.setenv("BIN_ADMIN_PASSWORD", "a long admin passphrase 2026")
    call_command("create_admin", "Chief@Example.org", stdout=StringIO())
    user = User.objects.get(email="chief@example.org")
    assert user.is_superuser and user.check_password("a long admin passphrase 2026")
    assert EmailAddress.objects.get(user=user).verified
    assert user_roles(user=user).is_admin
    # Running again promotes, creates nothing twice.
    call_command("create_admin", "chief@example.org", stdout=StringIO())
    assert User.objects.count() == 1


def test_create_admin_refuses_weak_password(db, monkeypatch):
    monkeypatch.setenv("BIN_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create_admin", "x@example.org", stdout=StringIO())
    assert not User.objects.exists()
