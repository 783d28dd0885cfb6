"""Development gateways that print what they would send."""

from __future__ import annotations

import sys
import uuid

from outbox.gateways.base import (
    BaseSMSGateway,
    BaseVoiceGateway,
    OutgoingCall,
    OutgoingSMS,
    SendResult,
)


class _ConsoleMixin:
    def _write(self, text: str) -> None:
        stream = self.options.get("stream") or sys.stdout
        stream.write(text + "\n")
        stream.flush()


class ConsoleSMSGateway(_ConsoleMixin, BaseSMSGateway):
    def send_sms(self, message: OutgoingSMS) -> SendResult:
        self._write(f"--- SMS to {message.to} ---\n{message.body}\n---")
        return SendResult(provider_id=f"console-{uuid.uuid4().hex[:12]}")


class ConsoleVoiceGateway(_ConsoleMixin, BaseVoiceGateway):
    def call(self, message: OutgoingCall) -> SendResult:
        self._write(f"--- voice call to {message.to} ({message.language}) ---\n{message.text}\n---")
        return SendResult(provider_id=f"console-{uuid.uuid4().hex[:12]}")
