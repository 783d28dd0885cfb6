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


def test_gunicorn_access_log_masks_tokens():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from bin_platform.gunicorn_logging import MaskingLogger

    logger = MaskingLogger(Config())
    req = SimpleNamespace(
        method="GET", path="/me/SECRETTOKEN123/", query="", version=(1, 1), headers=[],
        uri="/me/SECRETTOKEN123/",
    )  # fmt: skip
    resp = SimpleNamespace(status="404 Not Found", sent=0, headers=[], response_length=0)
    path = "/me/SECRETTOKEN123/"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "QUERY_STRING": "", "HTTP_REFERER": "http://x" + path,
    }  # fmt: skip
    atoms = logger.atoms(resp, req, environ, __import__("datetime").timedelta(seconds=0.01))
    assert "SECRETTOKEN123" not in " ".join(str(v) for v in atoms.values())
