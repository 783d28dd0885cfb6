"""Figures of ``make bench``: percentiles, the JSON summary and its lines.

Pure functions (no Django, no servers), so the smoke test checks them.
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
from datetime import UTC, datetime
from pathlib import Path

# The targets of issues 7 and 12 on a 2-core machine; a dotted key reads the
# provider-model run (``provider_model``).
TARGETS = {
    "fanout_per_second": (">=", 1000.0),
    "ratio_to_raw": (">=", 0.5),
    "first_delivery_seconds": ("<=", 1.0),
    "alert_post_p95_ms": ("<=", 200.0),
    "member_list_p95_ms": ("<=", 150.0),
    "provider_model.ratio_to_provider_limit": (">=", 0.8),
    "provider_model.alert_seconds": ("<=", 60.0),
    "provider_model.first_delivery_seconds": ("<=", 1.0),
    "provider_model.provider_429_share": ("<", 0.01),
}

REQUIRED_KEYS = (
    "fanout_deliveries",
    "fanout_seconds",
    "fanout_per_second",
    "raw_per_second",
    "ratio_to_raw",
    "first_delivery_seconds",
    "member_list_p95_ms",
    "alert_post_p95_ms",
    "callbacks_per_second",
)
PROVIDER_KEYS = (
    "provider_limit_per_second",
    "sms_per_second",
    "email_per_second",
    "ratio_to_provider_limit",
    "provider_429s",
    "alert_seconds",
    "first_delivery_seconds",
)


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value, digits=3):
    return None if value is None else round(value, digits)


def machine_description() -> dict:
    """nproc, CPU model and RAM of this machine, for the record."""
    import os

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except (OSError, ValueError):
        pass
    load = None
    with contextlib.suppress(OSError):
        load = [round(x, 2) for x in os.getloadavg()]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "loadavg_at_end": load,
    }


def provider_summary(fanout: dict, *, members: int, workers: int) -> dict:
    """The figures of the alert under the provider model (issue 12), from
    ``measure_fanout``'s result: rates per channel, how close SMS came to
    what the account physically allows (its in-flight limit / latency), the
    429s, publish to last accepted, publish to first accepted."""
    latency, limit = fanout["latency"], fanout["max_concurrent"]
    provider_limit = limit / latency if latency and limit else None
    sms_seconds, email_seconds = fanout["sms_seconds"], fanout["email_seconds"]
    sms_rate = fanout["sms"] / sms_seconds if sms_seconds else 0.0
    email_rate = fanout["email"] / email_seconds if email_seconds else 0.0
    requests = fanout["twilio_requests"]
    return {
        "members": members,
        "worker_nodes": workers,
        "latency_seconds": latency,
        "account_max_in_flight": limit,
        "provider_limit_per_second": _round(provider_limit, 1),
        "sms": fanout["sms"],
        "sms_per_second": _round(sms_rate, 1),
        "email": fanout["email"],
        "email_per_second": _round(email_rate, 1),
        "ratio_to_provider_limit": _round(sms_rate / provider_limit if provider_limit else None),
        "provider_requests": requests,
        "provider_429s": fanout["provider_429s"],
        "provider_429_share": _round(fanout["provider_429s"] / requests if requests else 0, 4),
        "max_concurrency_at_provider": fanout["max_concurrency"],
        "alert_seconds": _round(fanout["seconds"]),
        "first_delivery_seconds": _round(fanout["first"]),
    }


def summary_build(
    *,
    members: int,
    fanout_deliveries: int,
    fanout_seconds: float,
    first_delivery_seconds: float | None,
    raw_requests: int,
    raw_seconds: float,
    member_list_ms: list[float],
    alert_post_ms: list[float],
    callbacks: int,
    callbacks_seconds: float,
    alert_post_small_ms: list[float] | None = None,
    provider_model: dict | None = None,
    extra: dict | None = None,
) -> dict:
    """The JSON summary: every figure of the issue, rounded, and the targets."""
    fanout_per_second = fanout_deliveries / fanout_seconds if fanout_seconds > 0 else 0.0
    raw_per_second = raw_requests / raw_seconds if raw_seconds > 0 else 0.0
    summary = {
        "members": members,
        "fanout_deliveries": fanout_deliveries,
        "fanout_seconds": _round(fanout_seconds),
        "fanout_per_second": _round(fanout_per_second, 1),
        "raw_requests": raw_requests,
        "raw_seconds": _round(raw_seconds),
        "raw_per_second": _round(raw_per_second, 1),
        "ratio_to_raw": _round(fanout_per_second / raw_per_second if raw_per_second else 0.0),
        "first_delivery_seconds": _round(first_delivery_seconds),
        "member_list_requests": len(member_list_ms),
        "member_list_p50_ms": _round(percentile(member_list_ms, 50), 1),
        "member_list_p95_ms": _round(percentile(member_list_ms, 95), 1),
        "alert_post_requests": len(alert_post_ms),
        "alert_post_p50_ms": _round(percentile(alert_post_ms, 50), 1),
        "alert_post_p95_ms": _round(percentile(alert_post_ms, 95), 1),
        "callbacks": callbacks,
        "callbacks_seconds": _round(callbacks_seconds),
        "callbacks_per_second": _round(
            callbacks / callbacks_seconds if callbacks_seconds else 0, 1
        ),
    }
    if alert_post_small_ms is not None:
        summary["alert_post_small_audience_p95_ms"] = _round(percentile(alert_post_small_ms, 95), 1)
    if provider_model is not None:
        summary["provider_model"] = provider_model
    summary.update(extra or {})
    summary["targets_met"] = targets_check(summary)
    return summary


def targets_check(summary: dict) -> dict[str, bool | None]:
    """Each target of the issue: met, missed, or None when not measured."""
    met = {}
    for key, (op, limit) in TARGETS.items():
        value = summary
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            met[key] = None
        elif op == ">=":
            met[key] = value >= limit
        elif op == "<":
            met[key] = value < limit
        else:
            met[key] = value <= limit
    return met


def summary_lines(summary: dict) -> list[str]:
    """The human-readable report printed before the JSON line."""

    def mark(key):
        ok = summary.get("targets_met", {}).get(key)
        op, limit = TARGETS[key]
        return f"  [target {op} {limit:g}: {'met' if ok else 'MISSED' if ok is False else '-'}]"

    s = summary
    p = s.get("provider_model")
    provider = []
    if p:
        provider = [
            f"provider model              {p['latency_seconds']} s per request, "
            f"{p['account_max_in_flight']} in flight, {p['worker_nodes']} worker node(s)",
            f"  provider limit/s          {p['provider_limit_per_second']}",
            f"  SMS/s                     {p['sms_per_second']} ({p['sms']})",
            f"  email/s                   {p['email_per_second']} ({p['email']})",
            f"  ratio to provider limit   {p['ratio_to_provider_limit']}"
            + mark("provider_model.ratio_to_provider_limit"),
            f"  429s                      {p['provider_429s']} of {p['provider_requests']}"
            f" (most in flight at the provider: {p['max_concurrency_at_provider']})"
            + mark("provider_model.provider_429_share"),
            f"  publish -> last accepted  {p['alert_seconds']} s"
            + mark("provider_model.alert_seconds"),
            f"  first delivery after      {p['first_delivery_seconds']} s"
            + mark("provider_model.first_delivery_seconds"),
        ]
    return [
        f"members                     {s['members']}   (zero latency:)",
        f"fan-out deliveries          {s['fanout_deliveries']} (SMS + email)",
        f"publish -> last accepted    {s['fanout_seconds']} s",
        f"fan-out deliveries/s        {s['fanout_per_second']}" + mark("fanout_per_second"),
        f"raw loop deliveries/s       {s['raw_per_second']} "
        f"({s['raw_requests']} requests in {s['raw_seconds']} s)",
        f"ratio to raw loop           {s['ratio_to_raw']}" + mark("ratio_to_raw"),
        f"first delivery after        {s['first_delivery_seconds']} s"
        + mark("first_delivery_seconds"),
        f"member list p50 / p95       {s['member_list_p50_ms']} / {s['member_list_p95_ms']} ms"
        f" ({s['member_list_requests']} requests)" + mark("member_list_p95_ms"),
        f"alert POST p50 / p95        {s['alert_post_p50_ms']} / {s['alert_post_p95_ms']} ms"
        f" ({s['alert_post_requests']} requests, 10 clients)" + mark("alert_post_p95_ms"),
        f"status callbacks/s          {s['callbacks_per_second']} "
        f"({s['callbacks']} in {s['callbacks_seconds']} s)",
        *provider,
    ]


def summary_write(summary: dict, directory: Path) -> Path:
    """Write the summary to ``directory/<UTC timestamp>.json``; returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path
