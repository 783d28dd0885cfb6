"""Cursor pagination: stable pages while new rows arrive (alerts at 2 a.m.)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first by id (unique, so no row is skipped or repeated)."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
