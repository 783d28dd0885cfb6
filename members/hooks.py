"""What the members app asks of higher apps, without importing them.

Filled in by the providing app's ``AppConfig.ready()`` (bin_platform/hooks.py
explains the idea).
"""

from bin_platform.hooks import Hook

# ``house_rules_current(network=...)`` -> the house rules a new member accepts
# now: an object with ``version`` (recorded with the consent), ``text`` and
# ``is_standard``. The charters app keeps the house rules and provides it.
house_rules_current = Hook("members.house_rules_current")
