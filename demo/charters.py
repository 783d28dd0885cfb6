"""Demo charters and founding checklists for ``seed_demo``.

Oordegem (founded in 2014 on paper) gets its full checklist and a charter
signed in the app by its coordinator, the zone's officer and the municipality;
the BIN-Z of Lede, still being founded, gets a submitted charter the officer
already signed. Idempotent: a network that has a charter version is left as it is.
"""

from __future__ import annotations

import datetime

from charters.models import CharterSignature, CharterVersion, FoundingStep
from charters.services.charter import (
    charter_draft_create,
    charter_edit,
    charter_sign,
    charter_submit,
)
from charters.services.founding import founding_step_update, founding_steps_ensure
from networks.models import Network

Step = FoundingStep.Step
Party = CharterSignature.Party

# step → (date, responsible, notes)
OORDEGEM_STEPS = {
    Step.PREPARATION: (
        datetime.date(2013, 11, 12),
        "Marleen De Vuyst",
        "Petition of 40 residents.",
    ),
    Step.CONSULTATION: (
        datetime.date(2014, 1, 20),
        "Kevin Van Hoecke (police)",
        "Mayor and zone chief agree; the public prosecutor was informed.",
    ),
    Step.INFO_EVENING: (datetime.date(2014, 3, 6), "Marleen De Vuyst", "Parish hall, 85 people."),
    Step.STEERING: (datetime.date(2014, 3, 6), "Marleen De Vuyst", "Five volunteers approved."),
    Step.DRAFTED: (datetime.date(2014, 4, 2), "Steering committee", ""),
    Step.LAUNCH: (
        datetime.date(2014, 5, 1),
        "Municipality of Lede",
        "Announced in the municipal newsletter; charter signed again in the platform.",
    ),
}
BINZ_STEPS = {
    Step.PREPARATION: (datetime.date(2026, 2, 3), "Local business association", ""),
    Step.CONSULTATION: (datetime.date(2026, 3, 10), "Kevin Van Hoecke (police)", ""),
    Step.INFO_EVENING: (datetime.date(2026, 5, 19), "Local business association", "32 firms."),
    Step.STEERING: (datetime.date(2026, 5, 19), "Local business association", ""),
    Step.DRAFTED: (datetime.date(2026, 9, 1), "Steering committee", ""),
}


def _steps(network: Network, dates: dict, actor) -> None:
    rows = {s.step: s for s in founding_steps_ensure(network=network)}
    for code, (done_on, responsible, notes) in dates.items():
        row = rows[code]
        if row.done_on is None:
            founding_step_update(
                step=row, updated_by=actor, done_on=done_on, responsible=responsible, notes=notes
            )


def seed_charters(*, networks: dict[str, Network], users: dict) -> None:
    """Give the demo networks their founding steps and charters (see module doc)."""
    admin = users.get("admin@demo.bin")
    coordinator = users.get("coordinator@demo.bin")
    officer = users.get("officer@demo.bin")
    municipality = users.get("municipality@demo.bin")
    for network in networks.values():
        founding_steps_ensure(network=network)
    oordegem = networks.get("oordegem")
    if oordegem and coordinator and officer and municipality:
        _steps(oordegem, OORDEGEM_STEPS, coordinator)
        if not CharterVersion.objects.filter(network=oordegem).exists():
            version = charter_draft_create(network=oordegem, created_by=coordinator)
            version = charter_edit(
                version=version,
                edited_by=coordinator,
                sms_budget=250,
                signs_cost=1200,
                paid_by="SMS: municipality of Lede. Signs: municipality of Lede.",
                communication_notes=(
                    "Members who see something suspicious call 101 (112 in an emergency) first."
                ),
            )
            charter_submit(version=version, submitted_by=coordinator)
            charter_sign(
                version=version,
                user=coordinator,
                party=Party.COORDINATOR,
                name="Marleen De Vuyst",
                role_title="Coordinator",
            )
            charter_sign(
                version=version,
                user=officer,
                party=Party.OFFICER,
                name="Kevin Van Hoecke",
                role_title="Inspector, mandated officer",
            )
            charter_sign(
                version=version,
                user=municipality,
                party=Party.MUNICIPALITY,
                name="Evelien Baeyens",
                role_title="Alderman for safety (delegate of the mayor)",
            )
    binz = networks.get("binz-industriezone-lede")
    if binz and officer and admin:
        _steps(binz, BINZ_STEPS, officer)
        if not CharterVersion.objects.filter(network=binz).exists():
            version = charter_draft_create(network=binz, created_by=officer)
            version = charter_edit(
                version=version,
                edited_by=officer,
                coordinator_contact="Lede business association, info@ondernemend-lede.example",
                member_fee=25,
                paid_by="Member fees pay for SMS; the municipality pays for the signs.",
            )
            charter_submit(version=version, submitted_by=officer)
            charter_sign(
                version=version,
                user=officer,
                party=Party.OFFICER,
                name="Kevin Van Hoecke",
                role_title="Inspector, mandated officer",
            )
