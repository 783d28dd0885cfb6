"""Contact data of reporting members through the API: only to an officer's
token with the member_contact:read scope, and every read in the audit log."""

from __future__ import annotations

from api.models import ApiToken
from api.rules import is_officer_of_report_zone
from api.scopes import Scope
from members.models import AuditEntry
from members.services.core import audit_log
from messaging.models import IncidentReport


def reporter_contact_reveal(*, user, token: ApiToken, reports: list[IncidentReport]) -> set[int]:
    """The ids of the reports whose reporter's contact data this request may
    show; each one shown is logged (``members.AuditEntry``, view_member)."""
    if not token.has_scope(Scope.MEMBER_CONTACT_READ):
        return set()
    shown: set[int] = set()
    for report in reports:
        if report.member_id is None or not (
            # The predicate itself: has_perm would let any superuser through.
            is_officer_of_report_zone.test(user, report)
            and user.has_perm("api.view_reporter_contact", report)
        ):
            continue
        audit_log(
            actor=user,
            action=AuditEntry.Action.VIEW_MEMBER,
            network=report.network,
            member=report.member_id,
            detail={"via": "api", "token": token.prefix, "member_report": report.pk},
        )
        shown.add(report.pk)
    return shown
