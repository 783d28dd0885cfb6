"""Database helpers for the dashboards' figures: durations and medians
that work on PostgreSQL and SQLite."""

from __future__ import annotations

from django.db import connection
from django.db.models import Aggregate, FloatField, Func


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float (NULL when either is NULL)."""

    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def _parts(self, compiler, connection):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._parts(compiler, connection)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._parts(compiler, connection)
        return f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})))::double precision", params


class Median(Aggregate):
    """The median on PostgreSQL (``percentile_cont``); other databases use
    ``_median_fallback``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
