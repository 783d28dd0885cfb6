"""Development gateways that keep every message in a folder, one JSON file
per message, so a page (DEBUG only) can show what each phone received."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from outbox.gateways.base import (
    BaseSMSGateway,
    BaseVoiceGateway,
    GatewayConfigurationError,
    OutgoingCall,
    OutgoingSMS,
    SendResult,
)


class _FileMixin:
    kind = ""

    def _store(self, payload: dict) -> SendResult:
        folder = Path(self.options.get("path") or Path(settings.VAR_DIR) / "outbox")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GatewayConfigurationError(f"cannot create outbox folder {folder}: {exc}") from exc
        provider_id = f"file-{uuid.uuid4().hex}"
        record = {
            "kind": self.kind,
            "provider_id": provider_id,
            "sent_at": datetime.now(UTC).isoformat(),
            **payload,
        }
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}-{provider_id}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return SendResult(provider_id=provider_id)


class FileSMSGateway(_FileMixin, BaseSMSGateway):
    kind = "sms"

    def send_sms(self, message: OutgoingSMS) -> SendResult:
        return self._store(asdict(message))


class FileVoiceGateway(_FileMixin, BaseVoiceGateway):
    kind = "voice"

    def call(self, message: OutgoingCall) -> SendResult:
        return self._store(asdict(message))


class FileEmailBackend:
    """Django email backend for development: each email becomes a JSON file
    in the same outbox folder as SMS and calls, shown on /dev/outbox/."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently
        self.path = kwargs.get("path")

    def open(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def send_messages(self, email_messages) -> int:
        store = _FileMixin()
        store.kind = "email"
        store.options = {"path": self.path}
        for message in email_messages:
            html = next(
                (
                    content
                    for content, mime in getattr(message, "alternatives", [])
                    if mime == "text/html"
                ),
                "",
            )
            store._store(
                {
                    "to": ", ".join(message.to),
                    "subject": str(message.subject),
                    "body": message.body,
                    "has_html": bool(html),
                }
            )
        return len(email_messages)


def _outbox_records(path: Path | None) -> Iterator[dict]:
    """Every stored message, newest first (file names start with the time)."""
    folder = Path(path or Path(settings.VAR_DIR) / "outbox")
    if not folder.is_dir():
        return
    for file in sorted(folder.glob("*.json"), reverse=True):
        yield json.loads(file.read_text(encoding="utf-8"))


def file_outbox_read(*, path: Path | None = None, limit: int = 500, to: str = "") -> list[dict]:
    """The newest messages the file gateways stored, newest first.

    With ``to``, only that recipient's: filtered before the limit, so a phone
    whose messages are older than the newest ``limit`` of all still has them.
    """
    found: list[dict] = []
    for record in _outbox_records(path):
        if to and record.get("to") != to:
            continue
        found.append(record)
        if len(found) >= limit:
            break
    return found


def file_outbox_recipients(*, path: Path | None = None) -> dict[str, int]:
    """How many stored messages each recipient has, over all of them."""
    counts: dict[str, int] = {}
    for record in _outbox_records(path):
        counts[record.get("to", "")] = counts.get(record.get("to", ""), 0) + 1
    return counts
