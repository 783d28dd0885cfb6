"""Read-side queries of the founding checklist."""

from __future__ import annotations

from charters.models import FoundingStep
from networks.models import Network


def founding_progress(*, network: Network) -> dict:
    """The founding steps in order, with how many are done (for the progress bar).

    Reads only: steps not created yet show as open.
    """
    existing = {
        s.step: s
        for s in FoundingStep.objects.filter(network=network).prefetch_related("attachments")
    }
    steps = []
    for position, (code, label) in enumerate(FoundingStep.Step.choices, start=1):
        row = existing.get(code)
        steps.append({"code": code, "label": label, "position": position, "row": row})
    done = sum(1 for s in steps if s["row"] is not None and s["row"].done_on)
    total = len(steps)
    return {
        "steps": steps,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
    }
