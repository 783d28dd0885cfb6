"""Write-side operations of messaging, one module per area:

- ``alerts``: publishing messages to networks and their fan-out;
- ``delivery_status``: providers' delivery reports on deliveries;
- ``inbound_sms``: inbound SMS (keywords, replies);
- ``reports``: members' reports (meldingen) and their triage.
"""

from messaging.services.alerts import *  # noqa: F403
from messaging.services.drafts import *  # noqa: F403
from messaging.services.email_replies import *  # noqa: F403
from messaging.services.replies import *  # noqa: F403
from messaging.services.reports import *  # noqa: F403
