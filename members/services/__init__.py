"""Write-side operations on members, one module per area:

- ``core``: create, update, approve, reject, suspend, erase; audit entries;
- ``signup``: the public sign-up and its email and SMS verification, with
  ``signup_codes`` (rate limits, secrets, code checks) and ``signup_decoys``;
- ``imports``: CSV/XLSX import (preview, commit), with ``import_files``
  (reading the upload) and ``import_rows`` (columns, checking rows);
- ``exports``: the member list out as CSV or XLSX;
- ``personal``: what a member does through their personal link.

Import from the defining module, e.g.
``from members.services.core import member_create``.
"""
