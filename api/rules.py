"""What an API token adds to the pages' permissions (django-rules).

A token's owner is checked with the same permissions as on the pages
(``messaging.publish_message``, ``reports.view_zone``, ...); these add what
only the API asks: publishing from another system needs an officer of every
targeted zone, and an admin's consent for each zone
(``PoliceZone.api_publishing_allowed``); members' reports go to the zone's
officers (and admins), their reporters' contact data to the zone's officers
only.

Django answers ``has_perm`` with True for any active superuser, so the
officer-only conditions are also tested as predicates
(``is_officer_of_every_zone_with_api_publishing.test(user, message)``) by
the code that needs them: an admin's token never publishes or sees contact
data through the API.
"""

from __future__ import annotations

import rules

from networks.rules import is_platform_admin, is_zone_officer


@rules.predicate
def is_officer_of_every_zone_with_api_publishing(user, message) -> bool:
    if message is None:
        return False
    networks = list(message.networks.select_related("police_zone"))
    return bool(networks) and all(
        is_zone_officer(user, n) and n.police_zone.api_publishing_allowed for n in networks
    )


@rules.predicate
def is_officer_of_report_zone(user, report) -> bool:
    network = getattr(report, "network", None)
    return network is not None and is_zone_officer(user, network)


@rules.predicate
def may_publish_page(user, message) -> bool:
    return user.has_perm("messaging.publish_message", message)


@rules.predicate
def may_view_incident(user, report) -> bool:
    return user.has_perm("messaging.view_incident", report)


@rules.predicate
def may_view_contact(user, report) -> bool:
    network = getattr(report, "network", None)
    return network is not None and user.has_perm("members.view_member_contact", network)


rules.add_perm(
    "api.publish_message", may_publish_page & is_officer_of_every_zone_with_api_publishing
)
rules.add_perm(
    "api.view_member_report", may_view_incident & (is_officer_of_report_zone | is_platform_admin)
)
rules.add_perm(
    "api.view_reporter_contact",
    may_view_incident & is_officer_of_report_zone & may_view_contact,
)
