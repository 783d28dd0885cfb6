"""Start the web server and a Celery worker together; Ctrl-C stops both.

Used by `make run`. Without REDIS_URL the worker uses kombu's filesystem
transport (var/celery), so nothing but Python is needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bin_platform.settings.local"}
    broker = "Redis" if env.get("REDIS_URL") else "filesystem broker (no server)"
    web = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env
    )
    # One process with embedded beat: the periodic sweeps run in development too.
    worker = subprocess.Popen(  # noqa: S603
        [
            PYTHON, "-m", "celery", "-A", "bin_platform", "worker", "--beat",
            "--loglevel", "INFO", "--pool", "threads", "--concurrency", "4",
            "-Q", "urgent,default",
            "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    print(f"\n  BIN Platform: http://127.0.0.1:{port}/  (worker on {broker})")
    print("  Demo logins were printed above by seed_demo. Ctrl-C stops web and worker.\n")
    processes = [web, worker]

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
    while not stopping and all(proc.poll() is None for proc in processes):
        time.sleep(0.3)
    print("\n  Stopping web and worker…")
    stop()
    failed = [p.returncode for p in processes if p.returncode not in (0, None, -2, -15, 130)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
