"""Object permissions on member data (django-rules).

The object is the member's *network*: the list, the contact data and changes
are allowed per network. Municipal staff and federal viewers never see member
data; they get aggregates only.
"""

import rules

from networks.rules import is_platform_admin, is_zone_officer, runs_network

can_see_members = is_platform_admin | runs_network | is_zone_officer

rules.add_perm("members.view_member_list", can_see_members)
rules.add_perm("members.view_member_contact", can_see_members)
rules.add_perm("members.manage_members", can_see_members)
