"""bandit on every first-party package: no finding, and every accepted one
marked `# nosec BXXX` with a comment on why (configuration in pyproject.toml)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from tests.conftest import missing

ROOT = Path(__file__).resolve().parent.parent.parent


def first_party_packages() -> list[str]:
    """bin_platform and every installed app that lives in this repository, so
    apps added later are scanned without anyone editing this list."""
    names = {"bin_platform"}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == ROOT:
            names.add(path.name)
    return sorted(names)


def test_first_party_packages_are_found():
    packages = first_party_packages()
    assert {"bin_platform", "accounts", "networks", "members", "messaging"} <= set(packages)
    assert "allauth" not in packages and "tests" not in packages


def test_bandit_finds_nothing():
    if importlib.util.find_spec("bandit") is None:
        missing("bandit (pip install -r requirements-dev.txt)")
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *first_party_packages(),
         "-c", "pyproject.toml", "-f", "json", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert findings == [], "fix these, or mark them `# nosec BXXX` with a reason:\n" + "\n".join(
        findings
    )
    scanned = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert set(first_party_packages()) <= scanned
    assert not any("/migrations/" in name for name in report["metrics"])
