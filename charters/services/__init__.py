"""Write-side operations of charters, one module per area:

- ``founding``: the founding checklist and the network status that follows it;
- ``charter``: charter versions, signatures and the house rules they publish;
- ``governance``: screening records, hand-over to a co-coordinator, removal;
- ``meetings``: meetings, invitations through Messaging, RSVPs, reminders;
- ``signs``: the municipality's registry of BIN signs.
"""
