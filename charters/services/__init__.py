"""Write-side operations of charters, one module per area:

- ``founding``: the founding checklist and the network status that follows it;
- ``charter``: charter versions, signatures and the house rules they publish.
"""

from charters.services.charter import *  # noqa: F403
from charters.services.founding import *  # noqa: F403
