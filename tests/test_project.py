"""Project-wide checks: migrations, deploy settings, translations, security headers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, translation

ROOT = Path(__file__).resolve().parent.parent


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "bin_platform.settings.production",
        "SECRET_KEY": "x" * 30 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "bin.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp://mail.example.org:587",
        "PUBLIC_BASE_URL": "https://bin.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://bin.example.org",
        "DEFAULT_FROM_EMAIL": "BIN <bin@example.org>",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "bin_platform.settings.production",
        "ALLOWED_HOSTS": "bin.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_dutch_and_french_are_complete(language):
    """Every string of ours has a Dutch and a French translation, none fuzzy."""
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"run make makemessages and translate {po}"
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


def test_pages_have_security_headers_and_no_inline_script(client, world):
    for url in (
        reverse("networks:public:home"),
        reverse("networks:public:network", args=[world.network.slug]),
    ):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        html = response.content.decode()
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html


def test_pages_are_translated(client, world):
    client.cookies["django_language"] = "fr"
    html = client.get(
        reverse("networks:public:network", args=[world.network.slug])
    ).content.decode()
    assert 'lang="fr"' in html
    assert "Ce qu" in html  # "Ce qu'est un BIN" / "Ce que n'est pas un BIN"
    client.cookies["django_language"] = "nl"
    html = client.get(reverse("networks:public:home")).content.decode()
    assert 'lang="nl"' in html
    assert "Buurtinformatienetwerken" in html


@pytest.mark.parametrize(
    ("port", "expected"), [(None, "http://127.0.0.1:8000"), ("8811", "http://127.0.0.1:8811")]
)
def test_links_follow_the_development_port(tmp_path, port, expected):
    # `PORT=8811 make run`: links in emails and SMS must open the running server.
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "bin_platform.settings.local"}
    if port:
        env["PORT"] = port
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.PUBLIC_BASE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("language", "short_date", "time"),
    [("en", "20/01/2014", "20:00"), ("nl", "20-1-2014", "20:00"), ("fr", "20/01/2014", "20:00")],
)
def test_dates_are_european_in_every_language(language, short_date, time):
    # The English pages showed "01/20/2014" and "8 p.m." to Belgian readers.
    moment = datetime(2014, 1, 20, 20, 0)
    with translation.override(language):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == short_date
        assert formats.time_format(moment.time()) == time
        assert "p.m." not in formats.date_format(moment, "DATETIME_FORMAT")
