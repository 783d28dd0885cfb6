"""Helpers shared by the sign-up tests (test_signup*.py)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from networks.models import Network
from outbox.gateways import locmem


def join_url(network: Network) -> str:
    return reverse("members:signup:join", kwargs={"slug": network.slug})


def verify_url(network: Network) -> str:
    return reverse("members:signup:verify", kwargs={"slug": network.slug})


def form_data(**overrides) -> dict:
    """A valid sign-up for world.network; a None value leaves the field out."""
    data = {
        "first_name": "An",
        "last_name": "Claes",
        "street": "Kerkstraat",
        "house_number": "12",
        "postcode": "9340",
        "email": "an.claes@example.org",
        "mobile_phone": "0470 12 34 56",
        "landline": "",
        "language": "nl",
        "by_sms": "on",
        "by_email": "on",
        "adult": "on",
        "relation": "lives",
        "accept_house_rules": "on",
        "accept_privacy": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, network, ip: str = "192.0.2.1", **overrides):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(join_url(network), form_data(**overrides), REMOTE_ADDR=ip)


def post(client, url, data=None, ip: str = "192.0.2.1"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, REMOTE_ADDR=ip)


def sms_code(index: int = -1) -> str:
    return re.search(r"\b(\d{6})\b", locmem.outbox[index].body).group(1)


def email_link_path(message) -> str:
    url = re.search(r"https?://\S+/confirm/\S+/", message.body).group(0)
    return urlparse(url).path


KNOWN_EMAIL = "known@example.org"
KNOWN_MOBILE = "+32471999956"
# A real sign-up whose hints (first letter, domain, last two digits) match the
# decoys' below, and the decoys: one address known, the visitor's other one not.
REAL = {"email": "kim@example.org", "mobile_phone": "0472 11 22 56"}
DECOY = {
    "email": {"email": "Known@Example.org", "mobile_phone": "0473 33 44 56"},
    "phone": {"email": "kevin@example.org", "mobile_phone": "0471 99 99 56"},
}


def _cache_keys() -> list[str]:
    backend = cache._cache
    if isinstance(backend, dict):  # locmem
        return list(backend)
    return [key.decode() for key in backend.get_client().keys("*")]  # Redis
