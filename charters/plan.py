"""The communication plan of a charter: its shape, defaults and validation.

A plan holds one entry per message kind (the kinds of ``messaging.Message``)::

    {"urgent": {"channels": ["sms", "voice"], "coordinator_may_send": false,
                "officer_approves": true, "response_time": "15 minutes"}, ...,
     "member_reports": "summary"}

``member_reports`` says what coordinators see of members' reports
(``messaging.selectors.policy.CoordinatorReports``); plans written before it
existed lack it and mean the default.

Messaging reads the signed plan through ``messaging.selectors.policy.communication_policy``;
nothing about kinds, channels or approval is configured a second time.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from messaging.models import Delivery, Message
from messaging.selectors.policy import DEFAULT_COORDINATOR_REPORTS, CoordinatorReports

KINDS = tuple(Message.Kind.values)
CHANNELS = tuple(Delivery.Channel.values)
CHANNEL_LABELS = dict(Delivery.Channel.choices)
REPORTS_KEY = "member_reports"


def plan_member_reports(plan: dict) -> str:
    """What coordinators see of members' reports under this plan."""
    value = (plan or {}).get(REPORTS_KEY) or DEFAULT_COORDINATOR_REPORTS
    return str(value)


def member_reports_statement(value: str) -> str:
    """The charter's sentence for the ``member_reports`` setting, in the
    active language."""
    statements = {
        CoordinatorReports.NOTHING: _(
            "Members' reports go to the police. Coordinators see nothing of them, no list "
            "and no figures, until the mandated officer shares a report with them: they then "
            "get an email with its link and see that report, without its photo."
        ),
        CoordinatorReports.SUMMARY: _(
            "Members' reports go to the police. Coordinators see the category, street and "
            "time of every report; its description, the persons and vehicles described, the "
            "plate and the reporter only once the mandated officer shares the report with "
            "them. Photos stay with the police."
        ),
        CoordinatorReports.SHARED: _(
            "Members' reports go to the police. Coordinators see only the reports the "
            "mandated officer shared with them, in the network's list of reports, without "
            "their photo; of the other reports they see nothing, not even figures."
        ),
    }
    return statements.get(value, statements[DEFAULT_COORDINATOR_REPORTS])


def default_plan() -> dict:
    """The circular's usual plan, as Messaging applies it without a charter.

    The police send urgent alerts (SMS and voice call, so that they are seen at
    once) and feedback on them; coordinators send prevention tips and general
    information by email after the mandated officer approved them. The
    response times are written in the active language: call it inside
    ``translation.override`` of the network's language.
    """
    return {
        "urgent": {
            "channels": ["sms", "voice"],
            "coordinator_may_send": False,
            "officer_approves": True,
            "response_time": _("At once, within 15 minutes of the facts"),
        },
        "feedback": {
            "channels": ["sms", "email"],
            "coordinator_may_send": False,
            "officer_approves": True,
            "response_time": _("Within 24 hours of the alert"),
        },
        "prevention": {
            "channels": ["email"],
            "coordinator_may_send": True,
            "officer_approves": True,
            "response_time": _("Within a week"),
        },
        "info": {
            "channels": ["email"],
            "coordinator_may_send": True,
            "officer_approves": True,
            "response_time": _("Within a week"),
        },
        REPORTS_KEY: str(DEFAULT_COORDINATOR_REPORTS),
    }


def plan_errors(plan: dict) -> dict[str, str]:
    """Per kind, what is wrong with a plan (empty when it can be signed).

    Every kind needs at least one channel, otherwise members would never get
    it. Coordinators may send urgent alerts only with the officer's approval:
    an urgent alert is police information acted on at once (lights on, stay
    inside), and the circular leaves its content to the mandated officer; a
    coordinator's unchecked alert risks false alarms and people taking matters
    into their own hands, which a BIN must never encourage.
    """
    errors: dict[str, str] = {}
    if plan_member_reports(plan) not in CoordinatorReports.values:
        errors[REPORTS_KEY] = _("Choose what coordinators see of members' reports.")
    for kind in KINDS:
        entry = plan.get(kind)
        if not isinstance(entry, dict):
            errors[kind] = _("Fill in this message kind.")
            continue
        channels = entry.get("channels") or []
        if not channels:
            errors[kind] = _("Choose at least one channel.")
        elif any(channel not in CHANNELS for channel in channels):
            errors[kind] = _("Unknown channel.")
        elif (
            kind == "urgent"
            and entry.get("coordinator_may_send")
            and not entry.get("officer_approves")
        ):
            errors[kind] = _(
                "Coordinators may send urgent alerts only after the mandated officer approves them."
            )
    return errors


def plan_normalised(plan: dict) -> dict:
    """The plan with known keys only, channels in a fixed order. An unknown
    ``member_reports`` value is kept for ``plan_errors`` to refuse."""
    result: dict = {REPORTS_KEY: plan_member_reports(plan).strip()}
    for kind in KINDS:
        entry = plan.get(kind) or {}
        result[kind] = {
            "channels": [c for c in CHANNELS if c in (entry.get("channels") or [])],
            "coordinator_may_send": bool(entry.get("coordinator_may_send")),
            "officer_approves": bool(entry.get("officer_approves")),
            "response_time": str(entry.get("response_time") or "").strip()[:200],
        }
    return result
