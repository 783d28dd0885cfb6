"""Write-side operations of messaging, one module per area:

- ``notifications``: the outbox of messages to one person;
- ``alerts``: publishing messages to networks and their fan-out.
"""

from messaging.services.alerts import *  # noqa: F403
from messaging.services.notifications import *  # noqa: F403
