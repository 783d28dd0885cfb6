"""`make run` (scripts/run_dev.py): the address and the demo logins are shown
once the server answers, not before, and not where the worker scrolls them away."""

from __future__ import annotations

import importlib.util
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_dev", ROOT / "scripts" / "run_dev.py")
run_dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_dev)

SEED_OUTPUT = """Seeding the demo data…

Demo logins
Login                  Role         Scope     Password            TOTP secret
---------------------  -----------  --------  ------------------  -----------
officer@demo.bin       officer      5416      demo-password-2026  ABCDEFGH

Every login has two-factor authentication set up. Add the secret to an authenticator app, \
or run `.venv/bin/python manage.py demo_totp <email>` to print the current 6-digit code.

Demo data: 1 police zones, 5 networks
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Unhealthy(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_answers_only_once_the_server_listens():
    port = _free_port()
    url = f"http://127.0.0.1:{port}/healthz/"
    assert run_dev.answers(url) is False  # refused: not announced yet
    server = HTTPServer(("127.0.0.1", port), _Unhealthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert run_dev.answers(url) is True  # a 503 is an answer too
    finally:
        server.shutdown()
        server.server_close()


def test_the_announcement_carries_the_logins_and_the_port(tmp_path, monkeypatch):
    saved = tmp_path / "demo-logins.txt"
    saved.write_text(SEED_OUTPUT, encoding="utf-8")
    monkeypatch.setattr(run_dev, "LOGINS", saved)
    text = run_dev.announce("8811", "filesystem broker")
    assert "officer@demo.bin" in text and "demo-password-2026" in text
    assert "`.venv/bin/python manage.py demo_totp <email>`" in text
    assert "Seeding" not in text and "Demo data:" not in text
    assert "http://127.0.0.1:8811/" in text and "http://127.0.0.1:8811/dev/outbox/" in text
    # Printed last: the address closes the announcement.
    assert text.rstrip().endswith("Ctrl-C stops web and worker.")


def test_without_saved_logins_the_address_still_shows(tmp_path, monkeypatch):
    monkeypatch.setattr(run_dev, "LOGINS", tmp_path / "missing.txt")
    assert "http://127.0.0.1:8000/" in run_dev.announce("8000", "Redis")
