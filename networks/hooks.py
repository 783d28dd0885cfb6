"""What networks asks of higher apps (see ``bin_platform.hooks``)."""

from __future__ import annotations

from bin_platform.hooks import Hook

# Annotates a queryset of networks with ``active_members`` and
# ``pending_members``. Members are a higher app than networks, so the members
# app provides the query (``MembersConfig.ready()``); the network pages and the
# staff home page only show the numbers.
network_member_counts = Hook("networks.network_member_counts")

# ``screening_accepted(network=..., user=...) -> bool``: whether the mandated
# officer recorded an accepted screening of this person for this network.
# Screenings are kept by charters (governance), which provides it; without it
# every new coordinator role awaits screening.
screening_accepted = Hook("networks.screening_accepted", default=lambda **_: False)
