"""Write-side operations of messaging, one module per area:

- ``notifications``: the outbox of messages to one person;
- ``alerts``: publishing messages to networks and their fan-out;
- ``webhooks``: Twilio's delivery reports and inbound SMS (keywords, replies);
- ``reports``: members' reports (meldingen) and their triage.
"""

from messaging.services.alerts import *  # noqa: F403
from messaging.services.drafts import *  # noqa: F403
from messaging.services.email_replies import *  # noqa: F403
from messaging.services.notifications import *  # noqa: F403
from messaging.services.replies import *  # noqa: F403
from messaging.services.reports import *  # noqa: F403
from messaging.services.webhooks import *  # noqa: F403
