"""Every URL with a token, code, slug or other text in its path answers junk
with 4xx (or a redirect to sign in), never with a server error.

The patterns are enumerated from the URLconf, so a new token endpoint is
covered the day it is added: non-ASCII, very long, control characters,
percent-encoded junk, bidirectional overrides and numbers too large for the
database are put in every text parameter, for a visitor and for an admin.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from networks.models import Role
from tests.factories import NetworkFactory, user_with_role

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

# Raw (already percent-encoded where needed) path segments.
JUNK = (
    quote("é"),
    quote("1.1.ééééééééé"),  # a short code with a non-ASCII mac
    quote("ünïcødé-ß-𝔘𝔫𝔦"),
    quote("\u202egpj.exe"),
    "a" * 3000,
    "%00%01%1f%7f",
    "%ff%fe%fd",
    "..%2f..%2fetc%2fpasswd",
    "1.99999999999999999999999.0123456789",  # ids larger than any column
    "99999999999999999999999",
    "1_0.1_0.0123456789",  # int() reads "1_0" as 10
    quote("١.١.0123456789"),  # int() reads Arabic-Indic digits too
    "eyJtIjoxfQ:1abc:ZZZZ",  # signing's shape, a wrong signature
    "%25%25%25",
)


_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def _as_route(pattern) -> str:
    """A path() route as written; a re_path() regex (allauth's key links, the
    admin's) with each named group as a <re:name> parameter."""
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    return _GROUP.sub(r"<re:\g<name>>", str(pattern)).lstrip("^").rstrip("$")


def _text_routes(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> list[tuple[str, str]]:
    """(route, url name) of every path() route with a non-integer parameter."""
    found: list[tuple[str, str]] = []
    for entry in resolver.url_patterns:
        route = prefix + _as_route(entry.pattern)
        if route.startswith("admin/"):
            continue  # Django's own object pages; ours and allauth's are covered
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _text_routes(entry, route, inner)
        elif isinstance(entry, URLPattern):
            converters = [m["converter"] or "str" for m in _PARAM.finditer(route)]
            if any(c != "int" for c in converters):
                found.append((route, f"{namespace}{entry.name or route}"))
    return found


def _filled(route: str, junk: str) -> list[str]:
    """The route with junk in one text parameter at a time; the others get
    values that resolve (1, the network's slug), so the junk reaches views."""
    params = list(_PARAM.finditer(route))
    urls = []
    for target, match in enumerate(params):
        if match["converter"] == "int":
            continue
        counter = iter(range(len(params)))

        def value(m: re.Match, target=target, counter=counter) -> str:
            index = next(counter)
            if index == target:
                return junk
            return "1" if m["converter"] == "int" else "oordegem"

        urls.append("/" + _PARAM.sub(value, route))
    return urls


def test_the_token_and_code_routes_are_enumerated():
    names = {name for _route, name in _text_routes(get_resolver())}
    # The member's pages, sign-up confirmation, staff invitations and
    # network slugs are all among them.
    assert {"personal:home", "personal:short_link", "networks:public:network"} <= names
    assert {"members:signup:confirm_email", "accounts:invitation_accept"} <= names
    assert {"account_confirm_email", "account_reset_password_from_key"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_junk_in_every_text_parameter_is_never_a_server_error(client, db, settings, role):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    if role == "admin":
        client.force_login(user_with_role(Role.ADMIN))
    client.raise_request_exception = False
    NetworkFactory(slug="oordegem")
    failures = []
    for route, name in _text_routes(get_resolver()):
        if role == "anonymous" and route.startswith("manage/"):
            continue  # sent to sign in before any view reads the path
        for junk in JUNK:
            for url in _filled(route, junk):
                # Visitors post too: the member's pages and sign-up links act on POST.
                for method in (client.get, client.post) if role == "anonymous" else (client.get,):
                    response = method(url)
                    if response.status_code >= 500:
                        failures.append(f"{name}: {url[:120]} -> {response.status_code}")
    assert failures == []
