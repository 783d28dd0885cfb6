"""The code's shape (docs/architecture.md, "Layers" and "Where things live"):
what import-linter cannot say. Imports between apps sit at the top of a module
unless a comment says why not; modules stay small enough to read; no star
re-exports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "bin_platform",
    "networks",
    "accounts",
    "outbox",
    "members",
    "messaging",
    "charters",
    "surveys",
    "reports",
    "personal",
    "demo",
    "api",
    "webhooks",
)
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _app_of(module: str) -> str:
    return module.split(".", 1)[0]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cross_app_imports_inside_functions_say_why(path: Path):
    """An import of another app inside a function hides a dependency from the
    reader: it belongs at the top, or carries a ``# why:`` comment just above."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    own = path.relative_to(ROOT).parts[0]
    hidden = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            other = [n for n in names if _app_of(n) in APPS and _app_of(n) != own]
            # The comment may head the function's block of such imports.
            above = "\n".join(lines[node.lineno - 1 : inner.lineno - 1])
            if other and "# why:" not in above:
                hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno} imports {other[0]}")
    assert not hidden, "\n".join(hidden)


def test_no_module_is_too_long_to_read():
    """Demo data may be long lists; everything else, tests and benchmarks
    included, is split along its jobs."""
    others = [
        path
        for folder in ("tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
    ]
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in [*_modules(), *others]
        if path.parts[len(ROOT.parts)] != "demo"
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "\n".join(long)


def test_no_star_imports():
    """Callers import from the defining module; nothing is re-exported with *
    (settings modules build on each other the way Django documents)."""
    stars = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _modules()
        if "settings" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]
    assert not stars, "\n".join(stars)
