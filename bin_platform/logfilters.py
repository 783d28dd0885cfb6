"""Logging filter that keeps secret link tokens out of the logs.

Personal links (/me/<token>/), invitation links and sign-up confirmation links
carry their secret in the path; Django logs the path of every 4xx/5xx.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATHS = re.compile(r"(/(?:me|m|invitations|join/confirm)/)[^/\s\"']+")


def mask(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1…", text)


class MaskSecretTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logged as it is
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
