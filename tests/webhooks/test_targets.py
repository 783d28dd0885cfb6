"""Where webhooks may go: public https targets only in production (SSRF)."""

from __future__ import annotations

import pytest

from webhooks.targets import TargetRefused, webhook_target_check


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://db.internal/hook",
        "http://93.184.216.34/hook",  # public, but not https
        "https://user:secret@93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
    ],
)
def test_production_refuses(settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(TargetRefused):
        webhook_target_check(url)


def test_production_accepts_a_public_https_address(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert webhook_target_check("https://93.184.216.34:8443/hook") == ["93.184.216.34"]


def test_a_name_is_checked_by_what_it_resolves_to(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    # "localhost" resolves to loopback; so would any name an attacker points there.
    with pytest.raises(TargetRefused):
        webhook_target_check("https://localhost./hook")


def test_development_allows_loopback_but_not_private_networks(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert webhook_target_check("http://127.0.0.1:8000/hook") == ["127.0.0.1"]
    with pytest.raises(TargetRefused):
        webhook_target_check("http://10.0.0.1/hook")


def test_unknown_host(settings):
    with pytest.raises(TargetRefused):
        webhook_target_check("https://no-such-host.invalid/hook")
