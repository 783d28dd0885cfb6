"""Object permissions on member data (django-rules).

The object is the member's *network*: the list, the contact data and changes
are allowed per network. Municipal staff and federal viewers never see member
data; they get aggregates only. In privacy mode coordinators see names and
streets but not phone numbers or email addresses; the officer still does.
"""

import rules

from networks.rules import is_platform_admin, is_zone_officer, runs_network


@rules.predicate
def privacy_mode_on(user, network) -> bool:
    return bool(getattr(network, "privacy_mode", False))


can_see_members = is_platform_admin | runs_network | is_zone_officer
can_see_contact = is_platform_admin | is_zone_officer | (runs_network & ~privacy_mode_on)

rules.add_perm("members.view_member_list", can_see_members)
rules.add_perm("members.view_member_contact", can_see_contact)
rules.add_perm("members.manage_members", can_see_members)
# Import and export move whole lists of contact data.
rules.add_perm("members.import_members", can_see_members)
rules.add_perm("members.export_members", can_see_contact)
# The audit log of who looked at member data: officers and admins only.
rules.add_perm("members.view_audit_log", is_platform_admin | is_zone_officer)
# The zone's officers oversee who is refused membership and why (the circular).
rules.add_perm("members.view_rejections", is_platform_admin | is_zone_officer)
