"""Read-side queries of the charter: the house rules in force (and whether a
member accepted them), charter versions, their signatures and parties."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from charters.models import CharterSignature, CharterVersion, HouseRules
from members.models import ConsentRecord
from networks.models import Network
from networks.selectors import user_roles

# Used until a network publishes its own: the model rules of the circular of
# 28 February 2019 (members report to the police, never patrol, respect privacy).
STANDARD_VERSION = "standard-2019"


@dataclass(frozen=True)
class CurrentHouseRules:
    version: str
    text: str
    is_standard: bool


def house_rules_current(*, network: Network) -> CurrentHouseRules:
    """The version a new member accepts now: the network's latest, else the standard text."""
    latest = HouseRules.objects.filter(network=network).order_by("-published_at", "-pk").first()
    if latest:
        return CurrentHouseRules(version=latest.version, text=latest.text, is_standard=False)
    text = render_to_string("charters/standard_house_rules.txt", {"network": network})
    return CurrentHouseRules(version=STANDARD_VERSION, text=text, is_standard=True)


# --- Charter ----------------------------------------------------------------------


def charter_in_force(*, network: Network):
    """The network's charter in force: its latest version signed by all three
    parties, or None. Messaging reads its communication plan."""
    return (
        CharterVersion.objects.filter(network=network, status=CharterVersion.Status.SIGNED)
        .order_by("-number")
        .first()
    )


def charter_working(*, network: Network):
    """The version being written or signed (draft or submitted), or None."""
    return (
        CharterVersion.objects.filter(
            network=network,
            status__in=[CharterVersion.Status.DRAFT, CharterVersion.Status.SUBMITTED],
        )
        .order_by("-number")
        .first()
    )


def charter_versions(*, network: Network):
    return (
        CharterVersion.objects.filter(network=network)
        .select_related("created_by")
        .order_by("-number")
    )


def charter_signatures(*, version) -> dict:
    """Party → its valid signature on ``version`` (voided ones left out)."""
    return {s.party: s for s in version.signatures.filter(voided_at__isnull=True)}


def charter_parties_of(*, user, network: Network) -> list[str]:
    """The charter parties ``user`` may sign for in ``network``.

    The coordinator (not a co-coordinator), a mandated officer of the
    network's zone and municipal staff of its municipality (mayor or
    delegate). Admins are no party: they sign nothing.
    """
    if user is None or not user.is_authenticated:
        return []
    roles = user_roles(user=user)
    parties = []
    if network.pk in roles.coordinator_of:
        parties.append(CharterSignature.Party.COORDINATOR)
    if network.police_zone_id in roles.officer_of_zones:
        parties.append(CharterSignature.Party.OFFICER)
    if network.municipality_id in roles.staff_of_municipalities:
        parties.append(CharterSignature.Party.MUNICIPALITY)
    return parties


def member_house_rules_status(*, member) -> dict:
    """The house rules in force for a member's network, and whether the member
    accepted exactly that version (the personal page asks when not)."""
    current = house_rules_current(network=member.network)
    accepted = (
        ConsentRecord.objects.filter(
            member=member,
            subject=ConsentRecord.Subject.HOUSE_RULES,
            withdrawn_at__isnull=True,
        )
        .order_by("-given_at", "-pk")
        .values_list("version", flat=True)
        .first()
    )
    return {
        "current": current,
        "accepted_version": accepted,
        "up_to_date": accepted == current.version,
    }


def charter_communication_plan(*, network: Network) -> tuple[dict, int] | None:
    """The communication plan of the network's charter in force and that
    charter's number, or None (messaging's ``communication_plan`` hook)."""
    charter = charter_in_force(network=network)
    if charter is None or not charter.communication_plan:
        return None
    return charter.communication_plan, charter.number
