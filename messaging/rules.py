"""Who writes, publishes and follows messages to networks (django-rules).

The object is a Network. Mandated officers (and admins) write and publish to
the networks of their zone; coordinators follow their own network's messages.
Sending by coordinators, with the officer's approval, follows the
communication plan of the network's signed charter
(``messaging.selectors.policy.communication_policy``).
"""

import rules

from messaging.models import IncidentReport
from networks.models import PoliceZone
from networks.rules import (
    is_municipal_staff,
    is_platform_admin,
    is_zone_officer,
    runs_network,
)
from networks.selectors import user_roles

rules.add_perm("messaging.send_to_network", is_platform_admin | is_zone_officer)
# Coordinators write for their own network; what they may send and whether
# the officer approves first follows messaging.selectors.policy.communication_policy.
rules.add_perm("messaging.compose_for_network", is_platform_admin | is_zone_officer | runs_network)
rules.add_perm("messaging.view_messages", is_platform_admin | is_zone_officer | runs_network)
# Who writes drafts for the network: the above, and the municipality's staff
# (prevention tips and information, messaging.forms.messages.MUNICIPAL_KINDS),
# whose drafts always go to the zone's officer for approval. They never get
# view_messages: no message lists, figures, members or replies.
rules.add_perm(
    "messaging.draft_for_network",
    is_platform_admin | is_zone_officer | runs_network | is_municipal_staff,
)


@rules.predicate
def can_follow_message(user, message) -> bool:
    """Someone who may view the messages of at least one targeted network."""
    if message is None:
        return False
    return any(user.has_perm("messaging.view_messages", n) for n in message.networks.all())


@rules.predicate
def can_publish_message(user, message) -> bool:
    """The zone's officer (or an admin) publishes; a coordinator too when the
    network's communication plan allows the kind without approval."""
    if message is None:
        return False
    # why: looked up at call time, so a test can replace the policy
    # (tests/messaging/test_messages.py) for the rule and the services alike.
    from messaging.selectors.policy import communication_policy

    def allowed(network) -> bool:
        if user.has_perm("messaging.send_to_network", network):
            return True
        policy = communication_policy(network=network)
        return runs_network(user, network) and policy.coordinator_may_publish(message.kind)

    networks = list(message.networks.all())
    return bool(networks) and all(allowed(n) for n in networks)


@rules.predicate
def is_own_draft(user, message) -> bool:
    return (
        message is not None
        and message.status == message.Status.DRAFT
        and message.created_by_id == user.pk
        and all(user.has_perm("messaging.draft_for_network", n) for n in message.networks.all())
    )


@rules.predicate
def wrote_message(user, message) -> bool:
    """The message's writer, while they may still write for its networks:
    municipal staff follow their own messages this way only."""
    return (
        message is not None
        and message.created_by_id == user.pk
        and all(user.has_perm("messaging.draft_for_network", n) for n in message.networks.all())
    )


@rules.predicate
def may_see_unpublished(user, message) -> bool:
    """A draft or a message awaiting approval is its writer's work in progress:
    only the writer and those who send to every targeted network (the zones'
    officers, admins) see it, with its recipient figures. A coordinator of
    one of the networks does not, nor can they act on it: the figures of the
    other networks would follow from its totals."""
    if message is None:
        return False
    if message.status in (message.Status.PUBLISHED, message.Status.CANCELLED):
        return True
    networks = list(message.networks.all())
    if message.created_by_id == user.pk:
        return all(user.has_perm("messaging.draft_for_network", n) for n in networks)
    if not networks:
        return False
    if all(user.has_perm("messaging.send_to_network", n) for n in networks):
        return True
    # A coordinators' draft (its writer does not send directly) belongs to
    # the networks it is for: their coordinators see it, a successor too
    # after a hand-over. An officer's draft stays the police's.
    author = message.created_by
    return all(runs_network(user, n) for n in networks) and not all(
        author.has_perm("messaging.send_to_network", n) for n in networks
    )


@rules.predicate
def is_draft(user, message) -> bool:
    return message is not None and message.status == message.Status.DRAFT


rules.add_perm("messaging.view_message", (can_follow_message | wrote_message) & may_see_unpublished)
rules.add_perm("messaging.publish_message", can_publish_message & may_see_unpublished)
rules.add_perm("messaging.edit_message", (can_publish_message & may_see_unpublished) | is_own_draft)
rules.add_perm("messaging.submit_message", is_own_draft)
# A test to oneself and an exercise to chosen members: whoever may edit the
# draft (its writer, the zone's officers); the members offered for an
# exercise are those whose list the user may see.
rules.add_perm(
    "messaging.rehearse_message", (can_publish_message & may_see_unpublished) | is_own_draft
)


@rules.predicate
def may_write_feedback(user, message) -> bool:
    """A published urgent alert, and the user writes feedback for every
    network it went to: the zone's officer or an admin, or a coordinator
    whose communication plan lets coordinators write feedback."""
    if message is None or message.kind != message.Kind.URGENT:
        return False
    # An exercise or a cancel notice is no alert to follow up (the feedback
    # would go to the whole network).
    if message.is_exercise or message.cancels_id:
        return False
    if message.status != message.Status.PUBLISHED:
        return False
    # why: looked up at call time, as in can_publish_message above.
    from messaging.selectors.policy import communication_policy

    def allowed(network) -> bool:
        if user.has_perm("messaging.send_to_network", network):
            return True
        kinds = communication_policy(network=network).coordinator_kinds
        return runs_network(user, network) and message.Kind.FEEDBACK in kinds

    networks = list(message.networks.all())
    return bool(networks) and all(allowed(n) for n in networks)


rules.add_perm("messaging.write_feedback", can_follow_message & may_write_feedback)
# Cancelling a draft deletes it: whoever may edit the draft.
rules.add_perm(
    "messaging.delete_message",
    is_draft & ((can_publish_message & may_see_unpublished) | is_own_draft),
)


# Members' reports (meldingen). On a Network: who sees its reports. On a
# IncidentReport: who triages it, and who sees its photo (the police only).
# ``_on_report_network`` checks on the network of anything that has one (a
# report, a conversation).
def _on_report_network(predicate):
    @rules.predicate(name=f"report_network_{predicate.name}")
    def check(user, report) -> bool:
        network = getattr(report, "network", None)
        return network is not None and predicate.test(user, network)

    return check


@rules.predicate
def is_shared_with_coordinators(user, report) -> bool:
    return getattr(report, "shared_with_coordinators_at", None) is not None


# Reports go to the police first (seed 003): what coordinators see of the
# reports nobody shared with them follows the network's communication plan
# (``CommunicationPolicy.member_reports``: nothing, a list of the shared
# ones, or every report's category, street and time). A report's text,
# persons, vehicle, plate and reporter only when an officer shares it with
# them; its photo never.
@rules.predicate
def plan_lists_reports(user, network) -> bool:
    # why: looked up at call time, as in can_publish_message above.
    from messaging.selectors.policy import communication_policy

    return communication_policy(network=network).coordinators_list_reports()


@rules.predicate
def plan_shows_summaries(user, network) -> bool:
    from messaging.selectors.policy import communication_policy

    return communication_policy(network=network).coordinators_see_summaries()


@rules.predicate
def is_shared_with_municipality(user, report) -> bool:
    return getattr(report, "shared_with_municipality_at", None) is not None


@rules.predicate
def is_nuisance_report(user, report) -> bool:
    return getattr(report, "category", None) in IncidentReport.NUISANCE


# The municipality's staff see a nuisance report an officer shared with them,
# that report only: never the list of reports or the member list.
_municipality_shared = _on_report_network(is_municipal_staff) & is_shared_with_municipality
# On a Network: its list of reports; the category, street and time of every
# report (not only the shared ones) in it and in its counts.
rules.add_perm(
    "messaging.view_incidents",
    is_platform_admin | is_zone_officer | (runs_network & plan_lists_reports),
)
rules.add_perm(
    "messaging.view_incident_summaries",
    is_platform_admin | is_zone_officer | (runs_network & plan_shows_summaries),
)
# On a Network: figures on its members' reports (the dashboards). The
# partners always; the network's own people (coordinators, steering
# committee) when the plan shows coordinators every report's summary.
rules.add_perm(
    "messaging.view_incident_figures",
    is_platform_admin | is_zone_officer | is_municipal_staff | plan_shows_summaries,
)
rules.add_perm(
    "messaging.view_incident",
    is_platform_admin
    | _on_report_network(is_zone_officer)
    | (
        _on_report_network(runs_network)
        & (is_shared_with_coordinators | _on_report_network(plan_shows_summaries))
    )
    | _municipality_shared,
)
rules.add_perm(
    "messaging.view_incident_details",
    is_platform_admin
    | _on_report_network(is_zone_officer)
    | (_on_report_network(runs_network) & is_shared_with_coordinators)
    | _municipality_shared,
)
rules.add_perm(
    "messaging.share_incident_with_municipality",
    (is_platform_admin | _on_report_network(is_zone_officer)) & is_nuisance_report,
)
rules.add_perm("messaging.triage_incident", is_platform_admin | _on_report_network(is_zone_officer))
rules.add_perm("messaging.share_incident", is_platform_admin | _on_report_network(is_zone_officer))
rules.add_perm(
    "messaging.view_incident_photo", is_platform_admin | _on_report_network(is_zone_officer)
)


# Conversations with members follow the inbox (messaging.view_messages on the
# network). A police zone's watch words (replies that notify the police at
# once) are set by the zone's officers and admins.
@rules.predicate
def is_officer_of_police_zone(user, zone) -> bool:
    return isinstance(zone, PoliceZone) and zone.pk in user_roles(user=user).officer_of_zones


rules.add_perm("messaging.edit_watch_words", is_platform_admin | is_officer_of_police_zone)


# A conversation forwarded to the municipality (seeds 003/004): its staff open
# that conversation only (messaging:conversation_shared), never the inbox, the
# member list or contact data. Those who handle the inbox forward it.
@rules.predicate
def is_conversation_shared_with_municipality(user, conversation) -> bool:
    return getattr(conversation, "shared_with_municipality_at", None) is not None


_handles_conversation = _on_report_network(is_zone_officer | runs_network)
rules.add_perm(
    "messaging.share_conversation_with_municipality", is_platform_admin | _handles_conversation
)
rules.add_perm(
    "messaging.view_shared_conversation",
    is_platform_admin
    | _handles_conversation
    | (_on_report_network(is_municipal_staff) & is_conversation_shared_with_municipality),
)


# The message template library (messaging:templates): the zone's officers
# keep their zone's templates; admins every zone's and the standard set.
@rules.predicate
def is_some_zone_officer(user) -> bool:
    return bool(user_roles(user=user).officer_of_zones)


@rules.predicate
def is_template_of_own_zone(user, template) -> bool:
    zone_id = getattr(template, "police_zone_id", None)
    return zone_id is not None and zone_id in user_roles(user=user).officer_of_zones


rules.add_perm("messaging.view_templates", is_platform_admin | is_some_zone_officer)
# On a PoliceZone (None: the standard set, admins only).
rules.add_perm("messaging.manage_templates", is_platform_admin | is_officer_of_police_zone)
rules.add_perm("messaging.change_template", is_platform_admin | is_template_of_own_zone)
