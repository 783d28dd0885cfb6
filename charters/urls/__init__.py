"""URLs of charters under /manage/networks/<slug>/, one module per area.

``root`` is the app's namespace ``charters`` (included by
``bin_platform/urls.py``): the ``charter`` module's patterns (with the
founding checklist's) at its root, and ``governance`` (with meetings and
signs) as the nested namespace ``charters:governance``.
"""
