"""Browser journeys: headless Chromium (Debian's package) driven by Playwright
against pytest-django's live server.

Without Chromium or Playwright the journeys skip locally and fail under
CI=true (.ci/run installs Debian's `chromium`). Every step saves a screenshot
in test-artifacts/e2e/<test>/<nn>-<step>.png, and a failing test one more.

Every step is also checked with axe-core (npm, node_modules/axe-core): a
serious or critical accessibility violation on any page a journey visits,
in any role, fails the journey.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing

# Playwright's sync API runs an event loop in the test thread; Django refuses
# database calls from a thread with a running loop unless told it is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Browser actions wait this long at most (ms): a slow CI machine, not a hang.
TIMEOUT_MS = 15_000
# axe-core from npm (package.json), loaded into every page by the browser
# itself (an init script), so the pages' CSP need not allow it.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets the page fixture know whether the test failed, for a last screenshot.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# Per module, not per session: Playwright's event loop lives as long as the
# browser, and the other tests are better off without one in their thread.
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright (pip install -r requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Journey:
    """The browser page of one test, with numbered screenshots and a record of
    what the browser refused or failed to run (CSP violations, script errors)."""

    def __init__(self, page, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.step = 0
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        # Forms with data-confirm ask before destructive actions: say yes.
        page.on("dialog", lambda dialog: dialog.accept())
        self.violations: list[str] = []

    def _console(self, message) -> None:
        # Browsers ask for /favicon.ico on their own; its 404 is not the page's.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def shot(self, name: str) -> Path:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.directory / f"{self.step:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.check_accessibility(name)
        return path

    def check_accessibility(self, step: str) -> None:
        """Run axe-core on the page as it is now; keep its serious and critical findings."""
        results = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        for violation in results["violations"]:
            if violation["impact"] not in AXE_IMPACTS:
                continue
            nodes = violation["nodes"]
            targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
            detail = (nodes[0].get("failureSummary") or "").replace("\n", " ") if nodes else ""
            self.violations.append(
                f"{step} ({self.page.url}): {violation['impact']} {violation['id']}: "
                f"{violation['help']} [{targets}] {detail}"
            )


@pytest.fixture
def journey(browser, live_server, request) -> Iterator[Journey]:
    directory = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/Brussels",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    if not AXE.exists():
        missing(f"axe-core at {AXE} (npm ci)")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    journey = Journey(page, directory)
    try:
        yield journey
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            journey.shot("failure")
        context.close()
    # After the context is closed: a failure here does not hide the test's own.
    assert journey.problems == [], "the browser reported errors (CSP?)"
    assert journey.violations == [], "axe-core: serious or critical accessibility violations"
