"""What messaging asks of higher apps (see ``bin_platform.hooks``)."""

from __future__ import annotations

from bin_platform.hooks import Hook

# The communication plan in force for a network and the number of the signed
# charter it comes from: ``communication_plan(network=...)`` returns
# ``(plan, charter_number)``, or None while the network has no signed plan
# (messaging then applies its default policy). Charters provides it in
# ``ChartersConfig.ready()``; without charters installed every network follows
# the default.
communication_plan = Hook("messaging.communication_plan", default=lambda *, network: None)
