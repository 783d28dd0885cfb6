"""Write-side operations of charters, one module per area:

- ``governance``: screening records, hand-over to a co-coordinator, removal;
- ``meetings``: meetings, invitations through Messaging, RSVPs, reminders;
- ``signs``: the municipality's registry of BIN signs.
"""

from charters.services.governance import *  # noqa: F403
from charters.services.meetings import *  # noqa: F403
from charters.services.signs import *  # noqa: F403
