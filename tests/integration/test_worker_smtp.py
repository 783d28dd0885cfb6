"""End to end on real components: PostgreSQL, Redis, a Celery worker process
and an SMTP server on loopback."""

from __future__ import annotations

import re

import pytest

from accounts.models import StaffInvitation
from accounts.services import invitation_create
from networks.models import Role

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_invitation_email_goes_out_through_the_worker_and_smtp(
    world, celery_worker_process, smtp_server
):
    invitation = invitation_create(
        invited_by=world.users["officer"],
        email="nieuwe.coordinator@example.org",
        role=Role.COORDINATOR,
        network=world.network,
        language="fr",
    )
    messages = smtp_server.wait_for(1)
    assert len(messages) == 1, celery_worker_process.log_path.read_text()
    message = messages[0]
    assert message["To"] == "nieuwe.coordinator@example.org"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert re.search(r"/invitations/[\w-]+/", body)
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.SENT
    assert invitation.send_attempts == 1
