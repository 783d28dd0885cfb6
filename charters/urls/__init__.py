"""URLs of charters under /manage/networks/<slug>/, one module per area.

Two modules carry a namespace and are included by ``bin_platform/urls.py``:
``charter`` (namespace ``charters``: the charter and the founding checklist)
and ``governance`` (namespace ``governance``: governance, meetings, signs).
``founding``, ``meetings`` and ``signs`` hold their area's patterns only.
"""
