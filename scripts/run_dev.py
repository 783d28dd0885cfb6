"""Start the web server and a Celery worker together; Ctrl-C stops both.

Used by `make run`. Without REDIS_URL the worker uses kombu's filesystem
transport (var/celery), so nothing but Python is needed. The address and the
demo logins (saved by `make seed` in var/demo-logins.txt) are printed once
the server answers, last, so they neither scroll away nor lead to a refused
connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOGINS = ROOT / "var" / "demo-logins.txt"


def answers(url: str) -> bool:
    """Whether the server at ``url`` answers at all (any HTTP status)."""
    try:
        urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - our local server
    except urllib.error.HTTPError:
        return True  # it answers; /healthz says 503 while the broker is away
    except (urllib.error.URLError, OSError):
        return False
    return True


def demo_logins_text(path: Path | None = None) -> str:
    """The "Demo logins" part of seed_demo's output, as `make seed` saved it."""
    path = path or LOGINS
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Demo logins"), None)
    if start is None:
        return ""
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("Demo data:")), len(lines)
    )
    return "\n".join(lines[start:end]).strip()


def announce(port: str, broker: str) -> str:
    """What `make run` shows once the server answers: logins, address, outbox."""
    base = f"http://127.0.0.1:{port}"
    logins = demo_logins_text()
    parts = [logins] if logins else []
    parts.append(
        f"BIN Platform: {base}/  (worker on {broker})\n"
        f"Sent emails, SMS and calls: {base}/dev/outbox/\n"
        "Ctrl-C stops web and worker."
    )
    return "\n\n" + "\n\n".join(parts) + "\n"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bin_platform.settings.local"}
    broker = "Redis" if env.get("REDIS_URL") else "filesystem broker (no server)"
    web = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env
    )
    # One process with embedded beat: the periodic sweeps run in development too.
    # --quiet: no banner that would push the address and logins off the screen.
    worker = subprocess.Popen(  # noqa: S603
        [
            PYTHON, "-m", "celery", "--quiet", "-A", "bin_platform", "worker", "--beat",
            "--loglevel", "INFO", "--pool", "threads", "--concurrency", "4",
            "-Q", "urgent,default",
            "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    processes = [web, worker]
    print(f"\n  Starting the web server on port {port} and the worker…\n", flush=True)

    def stop(*_args) -> None:
        # SIGTERM, not SIGINT: children started from a non-interactive shell
        # ignore SIGINT. Celery treats SIGTERM as a warm shutdown.
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    stopping = False

    def request_stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    # Handled explicitly so Ctrl-C works even where SIGINT was inherited as ignored.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # The address and logins come once the server answers (runserver checks
    # the project first), after the worker's first lines: none scrolls them away.
    announced = False
    while not stopping and all(proc.poll() is None for proc in processes):
        if not announced and answers(f"http://127.0.0.1:{port}/healthz/"):
            print(announce(port, broker), flush=True)
            announced = True
        time.sleep(0.3)
    print("\n  Stopping web and worker…")
    stop()
    failed = [p.returncode for p in processes if p.returncode not in (0, None, -2, -15, 130)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
