#!/usr/bin/env python
"""Benchmark of the dashboards (reports app) on PostgreSQL.

Creates a separate database (``<DATABASE name>_bench``, never the real one),
migrates it, fills it with INSERT ... SELECT generate_series (by default 100
networks of 10,000 members each and 1,000,000 deliveries), then times each
dashboard's figures (``reports.tables``) and its page (through the whole
middleware stack, logged in as an admin), and prints a JSON line at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bin \\
        python benchmarks/bench_reports.py [--networks 100] [--members 10000] \\
        [--deliveries 1000000] [--repeat 5] [--keepdb]

``--keepdb`` keeps the bench database and its data for the next run (the data
is generated again only when the sizes differ).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bin_platform.settings.local")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--members", type=int, default=10_000, help="per network")
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--messages-per-network", type=int, default=20)
    parser.add_argument("--networks-per-zone", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keepdb", action="store_true")
    return parser.parse_args()


def _insert_select(cursor, model, source: str, exprs: dict, source_params=()) -> None:
    """INSERT INTO <model> (every column) SELECT <exprs> FROM <source>.

    ``exprs`` maps a column to SQL or to (SQL, params). Columns not given get
    NULL, the field's default or now(), so a new field with a default does
    not break the script.
    """
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in exprs:
            expr = exprs[field.column]
            sql, extra = (expr, ()) if isinstance(expr, str) else expr
            values.append(sql)
            params.extend(extra)
        elif field.null:
            values.append("NULL")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif field.blank and field.empty_strings_allowed:
            values.append("''")
        elif field.has_default():
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            raise RuntimeError(f"no value for {model.__name__}.{field.name}")
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"  # noqa: S608 - names from the models
    cursor.execute(sql, [*params, *source_params])


def _populate(args) -> dict:
    """Fill the bench database; returns what was made and how long it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from charters.models import CharterVersion, Meeting, Sign
    from members.models import Member
    from messaging.models import Delivery, IncidentReport, Message
    from networks.models import Municipality, Network, PoliceZone, Street

    n_net, n_mem = args.networks, args.members
    per_network = args.messages_per_network
    n_msg = n_net * per_network
    per_message = max(1, args.deliveries // n_msg)
    if per_message > n_mem:
        sys.exit("more deliveries per message than members per network: raise --members")
    marker = f"bench {n_net}x{n_mem}x{args.deliveries}x{per_network}"
    if Network.objects.filter(public_description=marker).count() == n_net:
        return {"generated": False}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = [
            m._meta.db_table
            for m in (Delivery, IncidentReport, Sign, Meeting, CharterVersion, Message, Member,
                      Street, Network, Municipality, PoliceZone)
        ]  # fmt: skip
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        admin = _admin()
        zones = PoliceZone.objects.bulk_create(
            PoliceZone(name=f"Zone {z}", number=f"B{z}", country="BE")
            for z in range((n_net + args.networks_per_zone - 1) // args.networks_per_zone)
        )
        municipalities = Municipality.objects.bulk_create(
            Municipality(
                name=f"Gemeente {i}", official_code=f"B{i}", province=f"Provincie {i % 10}",
                police_zone=zones[(2 * i) // args.networks_per_zone],
            )
            for i in range((n_net + 1) // 2)
        )  # fmt: skip
        networks = Network.objects.bulk_create(
            Network(
                name=f"BIN {i:03d}", slug=f"bench-{i}", kind="binz" if i % 7 == 0 else "bin",
                municipality=municipalities[i // 2],
                police_zone=municipalities[i // 2].police_zone,
                status="active" if i % 10 else "preparing", languages=["nl"],
                public_description=marker,
            )
            for i in range(n_net)
        )  # fmt: skip
        ids = [n.pk for n in networks]
        Street.objects.bulk_create(
            Street(network=n, name=f"Straat {s}", postcode="9340", household_count=300 + s)
            for n in networks
            for s in range(40)
        )
        # Members network by network, in order, so each network's ids are contiguous.
        _insert_select(
            cursor,
            Member,
            "generate_series(0, %s) g ORDER BY g",
            {
                "network_id": ("(%s::bigint[])[(g / %s) + 1]", (ids, n_mem)),
                "first_name": "'Lid'",
                "last_name": "'Nr ' || g",
                "street": "'Straat ' || mod(g, 40)",
                "house_number": "(mod(g, 200) + 1)::text",
                "postcode": "'9340'",
                "email": "'m' || g || '@bench.invalid'",
                "mobile_phone": "'+3247' || lpad(g::text, 7, '0')",
                "status": "CASE WHEN mod(g, 20) = 0 THEN 'left' WHEN mod(g, 50) = 1 THEN 'pending' "
                "WHEN mod(g, 97) = 0 THEN 'suspended' ELSE 'active' END",
                "approved_at": "CASE WHEN mod(g, 50) <> 1 "
                "THEN now() - mod(g, 1000) * interval '1 day' END",
                "left_at": "CASE WHEN mod(g, 20) = 0 "
                "THEN now() - mod(g, 1000) * interval '12 hours' END",
                "created_at": "now() - mod(g, 1000) * interval '1 day' - interval '1 day'",
            },
            source_params=(n_net * n_mem - 1,),
        )
        # Messages: per network, spread over the last year, kinds in turn.
        kinds = "(ARRAY['urgent','feedback','prevention','info'])[mod(g, 4) + 1]"
        _insert_select(
            cursor,
            Message,
            "generate_series(0, %s) g ORDER BY g",
            {
                "kind": kinds,
                "status": "'published'",
                "texts": """'{"nl": {"sms": "Bench"}}'::jsonb""",
                "created_by_id": ("%s", (admin.pk,)),
                "published_at": "now() - mod(g, 360) * interval '1 day'",
                "fanout_done_at": "now() - mod(g, 360) * interval '1 day'",
            },
            source_params=(n_msg - 1,),
        )
        through = Message.networks.through._meta.db_table
        message_table = Message._meta.db_table
        cursor.execute(
            f"INSERT INTO {through} (message_id, network_id) "  # noqa: S608
            f"SELECT m.id, (%s::bigint[])[mod(row_number() OVER (ORDER BY m.id) - 1, %s) + 1] "
            f"FROM {message_table} m",
            [ids, n_net],
        )
        # Deliveries: each message to the first members of its network, one
        # channel per member; statuses and arrival times spread out.
        member_table = Member._meta.db_table
        _insert_select(
            cursor,
            Delivery,
            f"""(SELECT t.message_id, m.published_at, f.first_id FROM {through} t
                 JOIN {message_table} m ON m.id = t.message_id
                 JOIN (SELECT network_id, min(id) AS first_id FROM {member_table}
                       GROUP BY network_id) f ON f.network_id = t.network_id) x
                CROSS JOIN generate_series(0, %s) k""",  # noqa: S608
            {
                "message_id": "x.message_id",
                "member_id": ("x.first_id + mod(x.message_id * 37 + k, %s)", (n_mem,)),
                "channel": "CASE WHEN mod(k, 2) = 0 THEN 'sms' ELSE 'email' END",
                "to": "'bench'",
                "language": "'nl'",
                "status": "CASE WHEN mod(k, 20) < 14 THEN 'delivered' "
                "WHEN mod(k, 20) < 17 THEN 'sent' "
                "WHEN mod(k, 20) = 17 THEN 'failed' WHEN mod(k, 20) = 18 THEN 'cancelled' "
                "ELSE 'queued' END",
                "sent_at": "x.published_at + (mod(k, 600)) * interval '1 second'",
                "delivered_at": "CASE WHEN mod(k, 20) < 14 "
                "THEN x.published_at + (mod(k, 600) + 5) * interval '1 second' END",
                "created_at": "x.published_at",
            },
            source_params=(per_message - 1,),
        )
        categories = "(ARRAY['burglary','fraud','person','vehicle','noise'])[mod(g, 5) + 1]"
        _insert_select(
            cursor,
            IncidentReport,
            "generate_series(0, %s) g",
            {
                "network_id": ("(%s::bigint[])[mod(g, %s) + 1]", (ids, n_net)),
                "category": categories,
                "happened_at": "now() - mod(g, 365) * interval '1 day'",
                "street": "'Straat 1'",
                "description": "'Bench'",
                "status": "CASE WHEN mod(g, 3) = 0 THEN 'new' ELSE 'closed' END",
                "created_at": "now() - mod(g, 365) * interval '1 day'",
                "triaged_at": "CASE WHEN mod(g, 3) <> 0 "
                "THEN now() - mod(g, 365) * interval '1 day' + interval '3 hours' END",
            },
            source_params=(n_net * 50 - 1,),
        )
        Sign.objects.bulk_create(
            Sign(network=n, street="Straat 1", state="placed", placed_on=date.today())
            for n in networks
            for _ in range(3)
        )
        Meeting.objects.bulk_create(
            Meeting(network=n, kind="member_meeting", status="held", place="Zaal",
                    starts_at=timezone.now() - timedelta(days=40))
            for n in networks
        )  # fmt: skip
        CharterVersion.objects.bulk_create(
            CharterVersion(network=n, number=1, status="signed", house_rules="...",
                           signed_at=timezone.now())
            for n in networks
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "generated": True,
        "seconds": round(time.perf_counter() - started, 1),
        "members": Member.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def _refresh_figures() -> dict:
    """Compute every message's stored delivery figures, as the periodic
    refresh does after a fan-out (messaging.services.delivery_figures): the
    dashboards below then read them instead of the million deliveries."""
    from django.db import connection

    from messaging.services.delivery_figures import delivery_figures_refresh

    started, messages = time.perf_counter(), 0
    while done := delivery_figures_refresh():
        messages += done
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    return {
        "messages": messages,
        "seconds": round(seconds, 1),
        "ms_per_message": round(1000 * seconds / messages, 1) if messages else None,
    }


def _admin():
    from accounts.models import User
    from networks.models import Role, RoleAssignment

    user, _created = User.objects.get_or_create(
        email="bench-admin@bench.invalid", defaults={"is_superuser": True, "is_staff": True}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.ADMIN, revoked_at=None)
    return user


def _timed(fn, repeat: int) -> dict:
    from django.db import connection, reset_queries

    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "queries": queries,
    }


def _bench(args) -> dict:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from networks.models import Municipality, Network, PoliceZone
    from reports.forms import PeriodPreset, preset_period
    from reports.tables.national import national_report
    from reports.tables.network import network_report

    admin = _admin()
    if not admin.authenticator_set.exists():
        TOTP.activate(admin, generate_totp_secret())
    client = Client()
    client.force_login(admin)
    period = preset_period(PeriodPreset.LAST_12_MONTHS)
    zone = PoliceZone.objects.order_by("pk").first()
    municipality = Municipality.objects.order_by("pk").first()
    network = Network.objects.order_by("pk").first()

    def networks_of(**filters):
        return list(Network.objects.filter(**filters).order_by("name"))

    cases = {
        "national": (
            lambda: national_report(period=period),
            reverse("reports:national"),
        ),
        "zone": (
            lambda: network_report(networks=networks_of(police_zone=zone), period=period,
                                   title="z", scope="z", zone_extras=True),
            reverse("reports:zone", kwargs={"pk": zone.pk}),
        ),
        "municipality": (
            lambda: network_report(networks=networks_of(municipality=municipality),
                                   period=period, title="m", scope="m"),
            reverse("reports:municipality", kwargs={"pk": municipality.pk}),
        ),
        "network": (
            lambda: network_report(networks=[network], period=period, title="n", scope="n"),
            reverse("reports:network", kwargs={"slug": network.slug}),
        ),
    }  # fmt: skip
    connection.force_debug_cursor = True  # count queries
    results = {}
    for name, (build, url) in cases.items():

        def view(url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        view()  # warm up
        results[name] = {
            "selectors": _timed(build, args.repeat),
            "view": _timed(view, args.repeat),
        }
        print(name, json.dumps(results[name]), file=sys.stderr)
    return results


def main() -> None:
    args = _args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit("bench_reports needs PostgreSQL: set DATABASE_URL=postgres://...")
    settings.DATABASES["default"].setdefault("TEST", {})
    settings.DATABASES["default"]["TEST"]["NAME"] = settings.DATABASES["default"]["NAME"] + "_bench"
    setup_test_environment()
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False
    )
    try:
        populated = _populate(args)
        print("data", json.dumps(populated), file=sys.stderr)
        figures = _refresh_figures()
        print("figures", json.dumps(figures), file=sys.stderr)
        results = _bench(args)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)
    print(
        json.dumps(
            {
                "bench": "reports",
                "networks": args.networks,
                "members_per_network": args.members,
                "deliveries": args.deliveries,
                "repeat": args.repeat,
                "data": populated,
                "figures": figures,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
