"""Member figures per network, kept up to date for the dashboards.

The national, zone and municipality dashboards need, per network, the
members by status (and, for pending sign-ups, whether they await approval)
and by street, and how many joined and left on each day. Counted from the
member table at every page view, that read a million members (about half a
second per dashboard at 100 networks of 10,000 members), so the counts are
stored (``members.figures_models``) and kept up to date by the database.

How they stay correct, whatever changes members (sign-up, verification,
approval, suspension, leaving and erasure, a move to another network, an
import, retention, a queryset ``update()``, a raw statement): statement
triggers on ``members_member`` (migration ``0010_s20h_member_figures``)
take each statement's old and new rows (transition tables), turn every row
into its figures (-1 for the old row, +1 for the new) and add the net change
to the stored rows in the same transaction (INSERT ... ON CONFLICT DO
UPDATE, in key order so two statements never lock rows in opposite orders).
A statement whose rows changed nothing the figures read writes nothing.
The stored rows therefore always equal what counting the members gives, at
every committed moment; rows that fell to zero stay and are ignored.

The triggers exist on PostgreSQL only; other databases (the SQLite of
``make run`` and of local tests) count from the members each time
(``member_figures_kept``). Days are those of ``FIGURES_TIME_ZONE``, the
platform's time zone; a request in another time zone counts too.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from members.figures_models import MemberCount, MemberEarlyLeave, MemberFlow, MemberFlowMonth

# The time zone of the stored days, fixed in the triggers' SQL (migration
# 0010_s20h_member_figures): changing TIME_ZONE needs new triggers and a
# ``member_figures_rebuild``.
FIGURES_TIME_ZONE = "Europe/Brussels"


def member_figures_kept() -> bool:
    """Whether the stored member figures may be read: PostgreSQL (where the
    triggers keep them) and days in the time zone they were stored in."""
    return (
        connection.vendor == "postgresql"
        and timezone.get_current_timezone_name() == FIGURES_TIME_ZONE
    )


def member_figures_sql(source: str) -> str:
    """The statement adding the figures of ``source``'s rows to the stored
    ones: ``source`` yields member rows with a ``sign`` column (+1 to add a
    row's figures, -1 to take them away). The definitions of joining and
    leaving are those of ``reports.selectors.members`` (``_joined_at`` and
    ``_left_at``); the awaiting test that of ``MemberQuerySet.awaiting_approval``.
    The migration holds a copy of this text (migrations stay as they ran)."""
    tz = FIGURES_TIME_ZONE
    return f"""
WITH r AS MATERIALIZED (
    SELECT s.network_id, s.status, s.street, s.sign,
           COALESCE(s.status = 'pending' AND s.email_verified_at IS NOT NULL
                    AND (s.phone_verified_at IS NOT NULL OR s.mobile_phone = ''), false)
               AS awaiting,
           (CASE WHEN s.approved_at IS NOT NULL THEN s.approved_at
                 WHEN s.status IN ('active', 'suspended') THEN s.created_at END
            AT TIME ZONE '{tz}')::date AS jd,
           (CASE WHEN s.status = 'left' AND s.approved_at IS NOT NULL
                 THEN COALESCE(s.left_at, s.updated_at) END
            AT TIME ZONE '{tz}')::date AS ld
    FROM ({source}) s
),
counts AS (
    INSERT INTO members_membercount AS t (network_id, status, awaiting, street, members)
    SELECT network_id, status, awaiting, street, SUM(sign) FROM r
    GROUP BY 1, 2, 3, 4 HAVING SUM(sign) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (network_id, status, awaiting, street)
    DO UPDATE SET members = t.members + EXCLUDED.members
    RETURNING 1
),
e AS MATERIALIZED (
    SELECT network_id, jd AS day, sign AS joined, 0 AS gone FROM r WHERE jd IS NOT NULL
    UNION ALL
    SELECT network_id, ld, 0, sign FROM r WHERE ld IS NOT NULL
),
flows AS (
    INSERT INTO members_memberflow AS t (network_id, day, joined, "left")
    SELECT network_id, day, SUM(joined), SUM(gone) FROM e
    GROUP BY 1, 2 HAVING SUM(joined) <> 0 OR SUM(gone) <> 0 ORDER BY 1, 2
    ON CONFLICT (network_id, day)
    DO UPDATE SET joined = t.joined + EXCLUDED.joined, "left" = t."left" + EXCLUDED."left"
    RETURNING 1
),
months AS (
    INSERT INTO members_memberflowmonth AS t (network_id, month, joined, "left")
    SELECT network_id, date_trunc('month', day::timestamp)::date, SUM(joined), SUM(gone) FROM e
    GROUP BY 1, 2 HAVING SUM(joined) <> 0 OR SUM(gone) <> 0 ORDER BY 1, 2
    ON CONFLICT (network_id, month)
    DO UPDATE SET joined = t.joined + EXCLUDED.joined, "left" = t."left" + EXCLUDED."left"
    RETURNING 1
)
INSERT INTO members_memberearlyleave AS t (network_id, left_day, joined_day, members)
SELECT network_id, ld, jd, SUM(sign) FROM r WHERE ld < jd
GROUP BY 1, 2, 3 HAVING SUM(sign) <> 0 ORDER BY 1, 2, 3
ON CONFLICT (network_id, left_day, joined_day) DO UPDATE SET members = t.members + EXCLUDED.members
"""  # noqa: S608  # nosec B608 - no value from outside: table names and a constant


@transaction.atomic
def member_figures_rebuild() -> None:
    """Recompute every stored member figure from the member table (after
    restoring data without the triggers, or to check them: the result equals
    the stored rows, zero rows aside). Members stay unchanged meanwhile (the
    table is locked against writes for the duration)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE members_member IN SHARE MODE")
        for model in (MemberCount, MemberFlow, MemberFlowMonth, MemberEarlyLeave):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608  # nosec B608
        cursor.execute(member_figures_sql("SELECT *, 1 AS sign FROM members_member"))
