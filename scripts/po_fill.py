"""Fill in translations for new msgids (a developer tool, run by hand).

    PYTHONPATH=/path/to/polib python scripts/po_fill.py translations.json

The JSON maps each English msgid to {"nl": ..., "fr": ..., "de": ...}; for a
plural entry the value is a list, [singular, plural]. Entries are set, fuzzy
flags dropped; anything still untranslated is listed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main(path: str) -> int:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = 0
    for lang in ("nl", "fr", "de"):
        po_path = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.msgid in table and lang in table[entry.msgid]:
                value = table[entry.msgid][lang]
                if entry.msgid_plural:
                    forms = value if isinstance(value, list) else [value, value]
                    entry.msgstr_plural = dict(enumerate(forms))
                else:
                    entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                # Both, or msgfmt refuses a lone "#| msgid_plural" left behind.
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
        po.save(str(po_path))
        left = po.untranslated_entries() + po.fuzzy_entries()
        missing += len(left)
        for entry in left:
            print(f"{lang}: untranslated: {entry.msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
