"""What texts to members say about their network: its name once, in their language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from networks.models import Network
from tests.factories import NetworkFactory

ROOT = Path(__file__).resolve().parent.parent.parent

# Texts that name the network, with the context they need.
SMS_TEMPLATES = {
    "members/messages/signup_sms_code.txt": {"code": "123456", "minutes": 30},
    "members/messages/welcome_sms.txt": {"url": "https://x/m/a/"},
    "members/messages/new_link_sms.txt": {"url": "https://x/m/a/"},
    "members/messages/rejection_sms.txt": {"reason": "-"},
    "members/messages/signup_duplicate_notice_sms.txt": {"is_member": False},
    "members/messages/contact_sms_code.txt": {"code": "123456", "minutes": 15},
    "members/messages/contact_taken_sms.txt": {},
    "members/messages/contact_changed_sms.txt": {},
    "members/messages/contact_address_accepted_sms.txt": {"address": "Stationsstraat 4, 9340"},
    "members/messages/contact_address_refused_sms.txt": {"address": "X 1", "reason": "-"},
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BIN Oordegem", "BIN Oordegem"),
        ("BIN-Z Industriezone Lede", "BIN-Z Industriezone Lede"),
        ("RIQ Ath", "RIQ Ath"),
        ("Oordegem", "BIN Oordegem"),
        ("Binnenstad", "BIN Binnenstad"),
    ],
)
def test_bin_name_says_bin_once(name, expected):
    assert Network(name=name).bin_name == expected


@pytest.mark.parametrize("template", sorted(SMS_TEMPLATES))
@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("nl", "BIN Oordegem"),
        ("fr", "BIN Oordegem"),
        ("de", "BIN Oordegem"),
        ("en", "BIN Oordegem"),
    ],
)
def test_sms_name_the_network_once(db, template, language, phrase):
    network = NetworkFactory(name="BIN Oordegem")
    with translation.override(language):
        text = render_to_string(template, {"network": network, **SMS_TEMPLATES[template]})
    assert phrase in text
    assert "BIN BIN" not in text and "RIQ BIN" not in text and "NIN BIN" not in text


def test_the_dutch_code_sms_reads_well(db):
    network = NetworkFactory(name="BIN Oordegem")
    with translation.override("nl"):
        text = render_to_string(
            "members/messages/signup_sms_code.txt", {"network": network, "code": "1", "minutes": 30}
        )
    assert "lid te worden van BIN Oordegem." in text


def test_no_text_puts_bin_before_a_network_name():
    # The class of the "BIN BIN Oordegem" finding: a name is shown with
    # Network.bin_name, never after a hard-coded "BIN".
    pattern = re.compile(r"\b(BIN|RIQ|NIN) (\{\{ ?network|%\(network\))")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("templates", "members", "messaging", "networks", "charters", "personal")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".html", ".txt", ".py"} and pattern.search(path.read_text("utf-8"))
    ]
    po_files = (ROOT / "locale").glob("*/LC_MESSAGES/django.po")
    offenders += [str(p) for p in po_files if pattern.search(p.read_text("utf-8"))]
    assert offenders == []
