"""In-memory gateways for tests: what was sent lands in ``outbox``."""

from __future__ import annotations

import itertools

from outbox.gateways.base import (
    BaseSMSGateway,
    BaseVoiceGateway,
    OutgoingCall,
    OutgoingSMS,
    SendResult,
)

outbox: list[OutgoingSMS | OutgoingCall] = []
_ids = itertools.count(1)


class LocmemSMSGateway(BaseSMSGateway):
    def send_sms(self, message: OutgoingSMS) -> SendResult:
        outbox.append(message)
        return SendResult(provider_id=f"locmem-sms-{next(_ids)}")


class LocmemVoiceGateway(BaseVoiceGateway):
    def call(self, message: OutgoingCall) -> SendResult:
        outbox.append(message)
        return SendResult(provider_id=f"locmem-call-{next(_ids)}")
