"""What the members app asks of higher apps, without importing them.

Filled in by the providing app's ``AppConfig.ready()`` (bin_platform/hooks.py
explains the idea).
"""

from bin_platform.hooks import Hook, Registry

# ``house_rules_current(network=...)`` -> the house rules a new member accepts
# now: an object with ``version`` (recorded with the consent), ``text`` and
# ``is_standard``. The charters app keeps the house rules and provides it.
house_rules_current = Hook("members.house_rules_current")

# ``eraser(member=..., addresses=...)`` for each app that keeps copies of a
# member's personal data (deliveries' recipients, replies, ...): called by
# ``members.services.core.member_erase`` inside its transaction, before the
# member row is blanked; ``addresses`` are the member's email address and
# phone numbers (E.164) as they were. Each app erases its own part.
member_erasers = Registry("members.member_erasers")

# ``channel_reach(network=..., chosen=[...])`` -> what each channel carries
# under the network's communication plan and whether the chosen channels
# (those the member has an address for) bring urgent alerts: an object with
# ``channels`` (rows with ``channel``, ``label``, ``kinds``, ``kind_labels``,
# ``chosen``), ``urgent_reached``, ``urgent_channels`` and ``missed_kinds``.
# Messaging provides it (``messaging.selectors.reach.reach_of_channels``);
# without it the sign-up form shows nothing and warns about nothing.
channel_reach = Hook("members.channel_reach", default=lambda *, network, chosen: None)
