"""Shared by the incident report tests: the member's page
(tests/personal/test_incidents.py) and the staff side (tests/messaging/test_incidents.py)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.tokens import member_personal_token
from messaging.models import IncidentReport
from outbox.gateways import locmem

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _reporter(world):
    """The personal pages speak the member's language: English, to read the errors."""
    member = world.member
    member.language, member.first_name, member.last_name = "en", "Griet", "Vanderstraeten"
    member.save(update_fields=["language", "first_name", "last_name"])


def _url(member, name="personal:incident_report") -> str:
    return reverse(name, args=[member_personal_token(member=member)])


def _when(**delta) -> str:
    moment = timezone.localtime() - timedelta(**(delta or {"hours": 2}))
    return moment.strftime("%Y-%m-%dT%H:%M")


def _data(**extra) -> dict:
    data = {
        "category": "vehicle",
        "happened_at": _when(),
        "street": "Kerkstraat",
        "description": "A white van drove slowly past every house, twice.",
        "person_description": "Two men, dark jackets.",
        "vehicle_description": "White Ford Transit",
        "plate": "1-abc-234",
        "police_called": "on",
    }
    data.update(extra)
    return data


def _report(world, **fields) -> IncidentReport:
    values = {
        "network": world.network,
        "member": world.member,
        "category": "noise",
        "happened_at": timezone.now() - timedelta(hours=1),
        "street": "Kerkstraat",
        "description": "Loud music every night.",
    }
    values.update(fields)
    return IncidentReport.objects.create(**values)
