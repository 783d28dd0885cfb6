"""What a voice call reads out, for the repeat the person on the line asks
for (``outbox.hooks.voice_call_script``, filled in ``MessagingConfig.ready()``)."""

from __future__ import annotations

from messaging.models import Delivery, Message
from outbox.gateways.base import OutgoingCall

__all__ = ["delivery_voice_script"]


def delivery_voice_script(*, reference: str) -> OutgoingCall | None:
    """The call of the voice delivery named by ``reference`` ("d<id>", as the
    sender gave it to the gateway): the message's text in the delivery's
    language, read in the network's country's voice. None for anything else,
    and once the message is no longer published (a cancel stops repeats)."""
    if not reference.startswith("d") or not reference[1:].isdigit():
        return None
    delivery = (
        Delivery.objects.select_related("message", "member__network")
        .filter(
            pk=int(reference[1:]),
            channel=Delivery.Channel.VOICE,
            message__status=Message.Status.PUBLISHED,
        )
        .first()
    )
    if delivery is None:
        return None
    network = delivery.member.network
    texts = delivery.message.text_for(delivery.language, network.default_language)
    return OutgoingCall(
        to=delivery.to,
        text=texts.get("sms", ""),
        language=delivery.language,
        reference=reference,
        country=network.country,
    )
