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
            "--schedule", str(ROOT / "var" / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    print(f"\n  BIN Platform: http://127.0.0.1:{port}/  (worker on {broker})")
    print("  Demo logins were printed above by seed_demo. Ctrl-C stops web and worker.\n")
    processes = [web, worker]

    def stop(*_args) -> None:
        for proc in processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for proc in processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        while all(proc.poll() is None for proc in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    failed = [proc.returncode for proc in processes if proc.returncode not in (0, None, -2, 130)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
