"""The SMS keywords members may text: opt out, opt in, help, in the
network languages (Dutch, French, German, English) and Twilio's own.

Matched on the first word, without case or accents, so "Arrêt", "ARRET" and
"arret." are the same keyword. Twilio's Advanced Opt-Out (README) should list
the same words, so that Twilio and the platform agree on who opted out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "Keyword",
    "keyword_match",
    "keyword_normalise",
]

# Twilio's defaults (STOP ... QUIT, REVOKE, OPTOUT) and their equivalents in
# the platform's languages. "END", "CANCEL" and "QUIT" are Twilio's too.
OPT_OUT_KEYWORDS = frozenset(
    {
        # English and Twilio
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
        # Dutch
        "STOPPEN", "UITSCHRIJVEN", "AFMELDEN",
        # French (ARRÊT, DÉSINSCRIRE, ... once accents are dropped)
        "ARRET", "ARRETER", "DESINSCRIRE", "DESINSCRIPTION", "DESABONNER",
        # German
        "HALT", "ABMELDEN", "ABBESTELLEN",
    }
)  # fmt: skip
OPT_IN_KEYWORDS = frozenset(
    {"START", "YES", "UNSTOP", "AANMELDEN", "DEMARRER", "ANMELDEN", "INSCRIRE"}
)
HELP_KEYWORDS = frozenset({"HELP", "HULP", "AIDE", "HILFE"})

_FIRST_WORD = re.compile(r"^\W*(\w+)")


@dataclass(frozen=True)
class Keyword:
    """A matched keyword: ``action`` is opt_out, opt_in or help; ``word`` the
    keyword as normalised."""

    action: str
    word: str


def keyword_normalise(word: str) -> str:
    """Upper case without accents: "Arrêt" → "ARRET", "désinscrire" → "DESINSCRIRE"."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def keyword_match(body: str) -> Keyword | None:
    """The keyword the text starts with, if any ("Stop, please" → STOP)."""
    match = _FIRST_WORD.match(body or "")
    if not match:
        return None
    word = keyword_normalise(match.group(1))
    for action, words in (
        ("opt_out", OPT_OUT_KEYWORDS),
        ("opt_in", OPT_IN_KEYWORDS),
        ("help", HELP_KEYWORDS),
    ):
        if word in words:
            return Keyword(action=action, word=word)
    return None
