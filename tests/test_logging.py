import logging

from bin_platform.logfilters import MaskSecretTokens, mask


def test_tokens_are_masked_in_paths():
    assert mask("Not Found: /me/eyJtIjo1fQ:abc/data.json") == "Not Found: /me/…/data.json"
    assert mask("GET /invitations/Zx9_secret/ 404") == "GET /invitations/…/ 404"
    assert mask("/networks/oordegem/join/confirm/tok.en/") == "/networks/oordegem/join/confirm/…/"
    assert mask("/networks/oordegem/") == "/networks/oordegem/"


def test_filter_rewrites_records():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", ("/me/x/",), None
    )
    MaskSecretTokens().filter(record)
    assert record.getMessage() == "Not Found: /me/…/"
