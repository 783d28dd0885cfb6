"""What an API token may be used for. A scope only ever narrows what the
token's owner may do on the pages at the moment of the request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    NETWORKS_READ = "networks:read", _("Read networks and their streets")
    MESSAGES_READ = "messages:read", _("Read messages and their delivery figures")
    DRAFTS_WRITE = "drafts:write", _("Write drafts (create, edit, submit for approval)")
    MESSAGES_PUBLISH = (
        "messages:publish",
        _("Publish messages (officers, where an admin allowed it for the zone)"),
    )
    AGGREGATES_READ = "aggregates:read", _("Read the reports' figures")
    MEMBER_REPORTS_READ = "member_reports:read", _("Read members' reports (officers, admins)")
    MEMBER_CONTACT_READ = (
        "member_contact:read",
        _("See the contact data of reporting members (officers; every read is logged)"),
    )


# Scopes only a mandated officer's token can use, and one for the police and
# admins; the form offers them to those roles only, and every request checks
# the roles again.
OFFICER_SCOPES = frozenset({Scope.MESSAGES_PUBLISH, Scope.MEMBER_CONTACT_READ})
POLICE_SCOPES = frozenset({Scope.MEMBER_REPORTS_READ})
