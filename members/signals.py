"""What happens to members, for higher apps (outbound webhooks).

- ``member_joined(sender=Member, member)``: a member became active for the
  first time (approved sign-up, automatic approval, import, added by the
  coordinator). Sent inside the transaction that made the change; receivers
  must pass on counts only, never the member's data.
"""

from __future__ import annotations

from django.dispatch import Signal

member_joined = Signal()
