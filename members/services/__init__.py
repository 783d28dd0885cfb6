"""Write-side operations on members, one module per area:

- ``core``: create, update, approve, reject, suspend, erase; audit entries;
- ``signup``: the public sign-up and its email and SMS verification;
- ``imports``: CSV/XLSX import (preview, commit) and export;
- ``personal``: what a member does through their personal link.

Import from ``members.services`` (everything public is re-exported here), except
``personal``: import that from its own module.
"""

from members.services.core import *  # noqa: F403
from members.services.imports import *  # noqa: F403
from members.services.signup import *  # noqa: F403
