"""Read-side queries for house rules."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from charters.models import HouseRules
from networks.models import Network

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
