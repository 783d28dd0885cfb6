"""What the outbox asks of higher apps (see ``bin_platform.hooks``)."""

from __future__ import annotations

from bin_platform.hooks import Hook

# The call a reference stands for (``"d<id>"``, the reference the sender gave
# the gateway), to read it again when the person on the line presses 1
# (Twilio's ``<Gather>``): ``voice_call_script(reference=...)`` returns an
# ``outbox.gateways.base.OutgoingCall`` (text, language, country), or None when
# the reference names nothing to read (any more). Messaging provides it in
# ``MessagingConfig.ready()``; without it every repeat ends the call.
voice_call_script = Hook("outbox.voice_call_script", default=lambda *, reference: None)
