"""Every page, for several roles: a strict Content-Security-Policy, nothing in
the HTML that it would have to allow (inline scripts, style attributes, event
handler attributes, javascript: links), and the security headers.

The crawl walks the URL resolver, so URLs added later are covered without
editing this file: arguments come from the role matrix (tests/test_role_matrix.py),
plus the token URLs below; a URL with arguments that nobody knows how to fill
fails test_every_url_is_crawled.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from tests.test_role_matrix import EXEMPT, MATRIX, _client_for, _named_urls

ROOT = Path(__file__).resolve().parent.parent.parent

# Roles whose pages differ the most: the public, each kind of staff, and admin.
ROLES = ("anonymous", "coordinator", "officer", "municipal", "federal", "steering", "admin")


def _personal_link(w):
    from members.tokens import member_personal_token

    return {"token": member_personal_token(member=w.member)}


def _short_link(w):
    from members.tokens import member_short_url

    return {"code": urlparse(member_short_url(member=w.member)).path.strip("/").split("/")[-1]}


def _survey_answer(w):
    from tests.factories import survey_with_answers

    survey = survey_with_answers(network=w.network, created_by=w.users["officer"])
    return {**_personal_link(w), "pk": survey.pk}


def _meeting_rsvp(w):
    from tests.test_role_matrix import _meeting

    return {**_personal_link(w), "pk": _meeting(w)["pk"]}


def _message_reply(w):
    from django.utils import timezone

    from messaging.models import Delivery, Message
    from tests.factories import MessageFactory

    message = MessageFactory(
        status=Message.Status.PUBLISHED, published_at=timezone.now(),
        created_by=w.users["officer"], networks=[w.network],
    )  # fmt: skip
    Delivery.objects.create(
        message=message, member=w.member, channel="sms", to=str(w.member.mobile_phone),
        language="nl", status=Delivery.Status.SENT,
    )  # fmt: skip
    return {**_personal_link(w), "pk": message.pk}


# Arguments for URLs outside the GET matrix: the member's own link, and
# tokens that do not exist (the "link not valid" pages must be clean too).
CRAWL_KWARGS = {
    "personal:home": _personal_link,
    "personal:data": _personal_link,
    "personal:leave": _personal_link,
    "personal:new_link": _personal_link,
    "personal:incident_report": _personal_link,
    "personal:short_link": _short_link,
    "accounts:invitation_accept": lambda w: {"token": "not-a-real-invitation-token"},
    "members:signup:confirm_email": lambda w: {"slug": w.network.slug, "token": "not-a-real-token"},
    "members:signup:verify": lambda w: {"slug": w.network.slug},
    "personal:survey_answer": lambda w: _survey_answer(w),
    "personal:meeting_rsvp": lambda w: _meeting_rsvp(w),
    "personal:message_reply": lambda w: _message_reply(w),
    "personal:contact": _personal_link,
    "personal:contact_confirm_email": lambda w: {"secret": "not-a-real-secret"},
    "starting:request_confirm": lambda w: {"token": "not-a-real-token"},
    "starting:interest_confirm": lambda w: {"slug": w.network.slug, "token": "not-a-real-token"},
}
# URLs with arguments that the crawl leaves out, and why.
NOT_CRAWLED = {
    "account_confirm_email": "allauth's token page; staff email is verified at invitation",
    "account_reset_password_from_key": "allauth's token page, same template as reset",
    "personal:house_rules_accept": "POST only, tests/charters/test_charter.py",
    "personal:contact_code": "POST only, tests/personal/test_contact.py",
    "personal:contact_cancel": "POST only, tests/personal/test_contact.py",
}
# The member's personal pages: never cached, never leak the token in a Referer.
PERSONAL = ("personal:",)


def _takes_arguments(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return True
    return False


def crawl_plan() -> tuple[dict, set[str]]:
    """{url name: kwargs function} to crawl, and the names nobody can fill."""
    matrix = {name: kwargs for name, kwargs, _allowed in MATRIX}
    plan: dict = {}
    unknown: set[str] = set()
    for name in sorted(_named_urls(get_resolver())):
        if name in matrix:
            plan[name] = matrix[name]
        elif name in CRAWL_KWARGS:
            plan[name] = CRAWL_KWARGS[name]
        elif not _takes_arguments(name):
            plan[name] = lambda w: {}
        elif not (name in EXEMPT or name in NOT_CRAWLED or name.startswith(("admin:", "api:v1:"))):
            # The admin's object pages need objects; its index, lists and
            # add forms (no arguments) are crawled. The REST API answers JSON,
            # not pages: tests/test_role_matrix_api.py covers every operation.
            unknown.add(name)
    return plan, unknown


def test_every_url_is_crawled():
    plan, unknown = crawl_plan()
    assert unknown == set(), (
        "give these URLs arguments (MATRIX in tests/test_role_matrix.py, or CRAWL_KWARGS "
        "here), or say why they are left out (EXEMPT there, NOT_CRAWLED here)"
    )
    # The crawl reaches our own pages, allauth's and the admin's.
    assert {"networks:public:home", "members:list", "messaging:detail", "personal:home"} <= set(
        plan
    )
    assert {"account_login", "mfa_index", "admin:index"} <= set(plan)


# --- what a page may contain --------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block in an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        script_type = (values.get("type") or "").lower()
        if tag == "script" and not values.get("src") and script_type != "application/json":
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="" on <{tag}> at line {self.getpos()[0]}')
            elif name.startswith("on"):
                self.problems.append(f"{name}= handler on <{tag}> at line {self.getpos()[0]}")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(
                    f"javascript: URL in <{tag} {name}> at line {self.getpos()[0]}"
                )

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy header"]
    directives = csp_directives(csp)
    for kind in ("script-src", "style-src"):
        sources = directives.get(kind, directives.get("default-src"))
        if sources is None:
            problems.append(f"CSP has neither {kind} nor default-src")
        elif {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(sources):
            problems.append(f"CSP {kind} allows {sources}")
    if directives.get("object-src") != ["'none'"]:
        problems.append("CSP object-src is not 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if response.headers.get("Referrer-Policy") not in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ):
        problems.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    framing = response.headers.get("X-Frame-Options") == "DENY"
    if not (framing or directives.get("frame-ancestors") == ["'none'"]):
        problems.append("the page can be framed (X-Frame-Options / frame-ancestors)")
    if response.headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("Cross-Origin-Opener-Policy is not same-origin")
    return problems


def test_the_checks_catch_what_they_should():
    bad = (
        '<p style="color:red" onclick="x()">a</p><script>alert(1)</script>'
        '<a href="javascript:void(0)">b</a><style>p{}</style><img src=x onerror=y>'
    )
    assert len(inline_code(bad)) == 6
    good = (
        '<script src="/static/app.js"></script>'
        '<script id="d" type="application/json">{"a": 1}</script><p data-on="x">c</p>'
    )
    assert inline_code(good) == []
    assert csp_directives("default-src 'self'; script-src 'self' 'unsafe-inline'") == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
    }


# --- the crawl ------------------------------------------------------------------


@pytest.fixture
def _private_media(settings, tmp_path):
    # Report photos created for the crawl stay out of the project's var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.usefixtures("_private_media")
@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_a_strict_csp_and_security_headers(client, world, role):
    plan, _unknown = crawl_plan()
    client = _client_for(client, world, role)
    problems: dict[str, list[str]] = {}
    html_pages = 0
    for name, kwargs in plan.items():
        url = reverse(name, kwargs=kwargs(world))
        response = client.get(url)
        found = header_problems(response)
        if name.startswith(PERSONAL) and response.status_code == 200:
            # same-origin: no-referrer would make browsers send "Origin: null"
            # on the page's forms, which Django's CSRF check refuses.
            if response.headers.get("Referrer-Policy") != "same-origin":
                found.append("a personal page without Referrer-Policy: same-origin")
            if "no-store" not in response.headers.get("Cache-Control", ""):
                found.append("a personal page without Cache-Control: no-store")
        if "text/html" in response.headers.get("Content-Type", "") and not getattr(
            response, "streaming", False
        ):
            html_pages += 1
            found += inline_code(response.content.decode())
        if found:
            problems[f"{name} {url} ({response.status_code})"] = found
    assert problems == {}, json.dumps(problems, indent=1)
    assert html_pages > 40  # the crawl really looked at pages


# --- HSTS and HTTPS, with the production settings --------------------------------

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.test import Client, override_settings
# The manifest of hashed static names exists only after collectstatic.
override_settings(STORAGES={
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}).enable()
client = Client(HTTP_HOST="bin.example.org")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location", "")],
    "secure": [secure.status_code, dict(secure.headers)],
    "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"])}
                for k, v in secure.cookies.items()},
}))
"""


def test_production_settings_send_hsts_and_redirect_to_https(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "bin_platform.settings.production",
        "SECRET_KEY": "x" * 30 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "bin.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PUBLIC_BASE_URL": "https://bin.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://bin.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    status, location = probe["plain"]
    assert status == 301 and location == "https://bin.example.org/accounts/login/"
    status, headers = probe["secure"]
    assert status == 200
    hsts = headers["Strict-Transport-Security"]
    assert re.search(r"max-age=(\d+)", hsts) and int(re.search(r"max-age=(\d+)", hsts)[1]) >= (
        180 * 24 * 3600
    )
    assert "includeSubDomains" in hsts
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert probe["cookies"]["csrftoken"] == {"secure": True, "httponly": True}
