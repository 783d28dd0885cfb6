"""Figures for the dashboards, all counted in the database, one module per subject
(members, messages, member reports, governance, national, dashboards).

Every function takes the networks to count (``network_ids``; ``None`` means
every network, for the national view) and, where it matters, a ``Period``.
Each runs a fixed number of queries, whatever the number of networks,
members or deliveries: grouping, conditional counts and window functions do
the work, Python only merges the grouped rows (at most one per network,
street, month or category).

No function returns a name, address, phone number or email of a member:
only counts, street names and durations.
"""
