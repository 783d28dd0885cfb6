"""Who works with a network's surveys (django-rules; the object is a Network).

Those who run the network (coordinator, co-coordinator), the zone's mandated
officer and admins create, send and close surveys; everyone who sees the
network's internal overview (also steering committee and municipal staff)
sees the results, which are anonymous aggregates.

Free-text answers are not aggregates: a member may name themselves, a
neighbour or a street. They are shown verbatim only to those who also
manage the survey (and see member data); steering committee members and
municipal staff see how many comments there were.
"""

import rules

from networks.rules import can_view_network, is_platform_admin, is_zone_officer, runs_network

rules.add_perm("surveys.view_surveys", can_view_network)
rules.add_perm("surveys.manage_surveys", is_platform_admin | is_zone_officer | runs_network)
rules.add_perm("surveys.view_free_text", is_platform_admin | is_zone_officer | runs_network)
