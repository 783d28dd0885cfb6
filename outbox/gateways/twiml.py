"""The TwiML of a voice call: the text read out in the member's language
and voice, then "press 1 to hear it again" (``<Gather>``), which Twilio
posts to the signed repeat webhook (``outbox.gateways.twilio``); each repeat
answers with the same TwiML, up to MAX_REPEATS times.

Provider-neutral parts of the Twilio voice gateway, kept apart so that the
gateway module stays readable; nothing here talks to Twilio.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from twilio.twiml.voice_response import Gather, VoiceResponse

from outbox.gateways import get_voice_gateway
from outbox.gateways.base import GatewayError, OutgoingCall

# Our member languages to the locales <Say> speaks; Belgian variants where
# Twilio's voices have them.
SAY_LANGUAGES = {"nl": "nl-BE", "fr": "fr-BE", "de": "de-DE", "en": "en-GB"}
# Where the network's country has its own variant: Dutch in the Netherlands
# is read by a Dutch voice, not a Flemish one.
SAY_LANGUAGES_BY_COUNTRY = {("nl", "NL"): "nl-NL"}

REPEAT_PATH = "/webhooks/twilio/voice/repeat/"
# How often one call reads the message again: enough for anyone who missed
# a word, not an endless loop on an answering machine or a forgotten phone.
MAX_REPEATS = 3
REPEAT_DIGIT = "1"
# Seconds Twilio waits for the key after the prompt; then the call ends.
GATHER_TIMEOUT = 6
# What a reference looks like ("d123": our delivery row); anything else in
# a repeat URL names nothing.
_REFERENCE = re.compile(r"^[a-z]\d{1,18}$")


def say_locale(*, language: str, country: str = "") -> str:
    """The ``<Say language>`` for a member's language in the network's country
    (an unknown language is read in Dutch, the platform's first language)."""
    language = language if language in SAY_LANGUAGES else "nl"
    return SAY_LANGUAGES_BY_COUNTRY.get((language, country), SAY_LANGUAGES[language])


def say_attributes(*, call: OutgoingCall, voices: Mapping[str, str]) -> dict[str, str]:
    """``language`` and, where configured (TWILIO_VOICES, by locale such as
    ``nl-NL`` or by language such as ``nl``), ``voice`` of every ``<Say>``."""
    locale = say_locale(language=call.language, country=call.country)
    attributes = {"language": locale}
    voice = voices.get(locale) or voices.get(locale.split("-")[0])
    if voice:
        attributes["voice"] = voice
    return attributes


def repeat_path(*, reference: str, count: int) -> str:
    """The repeat webhook's path and query for the ``count``-th repeat."""
    return f"{REPEAT_PATH}?{urlencode({'ref': reference, 'n': count})}"


def repeat_count(*, reference: str, count: str) -> int | None:
    """The repeat a webhook asks for (1..MAX_REPEATS), or None when the
    reference or the count is not one we give out."""
    if not _REFERENCE.match(reference or "") or not (count or "").isdigit():
        return None
    number = int(count)
    return number if 1 <= number <= MAX_REPEATS else None


def call_twiml(
    *, call: OutgoingCall, voices: Mapping[str, str], repeat_url: str | None = None
) -> str:
    """The text read out (escaped by VoiceResponse), then, with a
    ``repeat_url``, the offer to hear it again in the same language."""
    attributes = say_attributes(call=call, voices=voices)
    response = VoiceResponse()
    response.say(call.text, **attributes)
    if repeat_url:
        with translation.override(call.language):
            prompt = _("Press 1 to hear this message again.")
        gather = Gather(num_digits=1, action=repeat_url, method="POST", timeout=GATHER_TIMEOUT)
        gather.say(prompt, **attributes)
        response.append(gather)
    return str(response)


def configured_voices() -> dict[str, str]:
    """The voices of the configured voice gateway (its OPTIONS), else
    TWILIO_VOICES: what a repeat reads with, as the first reading did."""
    try:
        voices = getattr(get_voice_gateway(), "voices", None)
    except GatewayError:
        voices = None
    return dict(voices or settings.TWILIO_VOICES or {})


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
