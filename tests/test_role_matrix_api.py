"""The role matrix's API half: every REST API operation, for every role,
with a token holding every scope (the roles decide) and with a token lacking
the operation's scope (always refused).

A token never has more rights than its owner's roles at the request: the
tokens here are written straight into the database with every scope, even
the officers-only ones, so the roles alone must refuse. Lists answer 200 to
everyone and must contain the object only for the roles that may see it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import get_resolver, reverse

from api.scopes import Scope
from tests.api.conftest import ALL_SCOPES, client_for, make_token
from tests.factories import MessageFactory
from tests.test_role_matrix import (
    ALL_ROLES,
    COMPOSE,
    MEMBER_DATA,
    NATIONAL,
    NETWORK_VIEW,
    PUBLISH,
    REPORTS_MUNICIPALITY,
    REPORTS_ZONE,
    _named_urls,
    _report,
)

OFFICER_ONLY = frozenset({"officer"})  # officers of the world's zone, not admins
POLICE = frozenset({"officer", "admin"})
# Roles whose own draft they may edit and submit: those who write for the
# network, the municipality's staff too (prevention tips and information,
# approved by the officer: issue 14, item 6).
OWN_DRAFT = (COMPOSE - {"officer_other", "coordinator_other"}) | {"municipal"}


def _draft(w, role, *, kind="prevention"):
    author = w.users[role] or w.users["officer"]
    message = MessageFactory(
        kind=kind, texts={"nl": {"sms": "Test"}}, created_by=author, networks=[w.network]
    )
    return {"pk": message.pk}


def _officer_draft(w, role):
    return _draft(w, "officer", kind="urgent")


def _published(w, role):
    from django.utils import timezone

    from messaging.models import Message

    message = MessageFactory(
        created_by=w.users["officer"],
        networks=[w.network],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    return {"pk": message.pk}


def _slug(w, role):
    return {"slug": w.network.slug}


def _none(w, role):
    return {}


def _prevention(w, role):
    return {
        "kind": "prevention",
        "networks": [w.network.slug],
        "by_sms": False,
        "by_email": True,
        "texts": {"nl": {"sms": "Sluit uw ramen."}},
    }


# (url name, method, scope, kwargs(world, role), body(world, role) or None,
#  roles that succeed, "list" id of the object a list must show or None)
API_MATRIX: list[tuple[str, str, str, Callable, Callable | None, frozenset, str | None]] = [
    ("api:v1:networks", "get", Scope.NETWORKS_READ, _none, None, NETWORK_VIEW, "network"),
    ("api:v1:network", "get", Scope.NETWORKS_READ, _slug, None, NETWORK_VIEW, None),
    ("api:v1:streets", "get", Scope.NETWORKS_READ, _slug, None, NETWORK_VIEW, None),
    # An officer's draft is its writer's work in progress (issue 16, item 5):
    # the zone's officers and admins see it, a coordinator of the network not.
    ("api:v1:messages", "get", Scope.MESSAGES_READ, _none, None, PUBLISH, "message"),
    (
        "api:v1:messages",
        "post",
        Scope.DRAFTS_WRITE,
        _none,
        _prevention,
        OWN_DRAFT,
        None,
    ),
    ("api:v1:message", "get", Scope.MESSAGES_READ, _officer_draft, None, PUBLISH, None),
    ("api:v1:message", "get", Scope.MESSAGES_READ, _published, None, MEMBER_DATA, None),
    (
        "api:v1:message",
        "patch",
        Scope.DRAFTS_WRITE,
        _officer_draft,
        lambda w, r: {"streets": ["Kerkstraat"]},
        PUBLISH,
        None,
    ),
    ("api:v1:delivery", "get", Scope.MESSAGES_READ, _officer_draft, None, PUBLISH, None),
    ("api:v1:delivery", "get", Scope.MESSAGES_READ, _published, None, MEMBER_DATA, None),
    ("api:v1:message_cap", "get", Scope.MESSAGES_READ, _officer_draft, None, PUBLISH, None),
    ("api:v1:message_cap", "get", Scope.MESSAGES_READ, _published, None, MEMBER_DATA, None),
    (
        "api:v1:feed_zone",
        "get",
        Scope.MESSAGES_READ,
        lambda w, r: {"number": w.zone.number},
        None,
        MEMBER_DATA,
        None,
    ),
    ("api:v1:feed_network", "get", Scope.MESSAGES_READ, _slug, None, MEMBER_DATA, None),
    ("api:v1:submit", "post", Scope.DRAFTS_WRITE, _draft, None, OWN_DRAFT, None),
    ("api:v1:publish", "post", Scope.MESSAGES_PUBLISH, _officer_draft, None, OFFICER_ONLY, None),
    ("api:v1:aggregates_network", "get", Scope.AGGREGATES_READ, _slug, None, NETWORK_VIEW, None),
    (
        "api:v1:aggregates_municipality",
        "get",
        Scope.AGGREGATES_READ,
        lambda w, r: {"code": w.municipality.official_code},
        None,
        REPORTS_MUNICIPALITY,
        None,
    ),
    (
        "api:v1:aggregates_zone",
        "get",
        Scope.AGGREGATES_READ,
        lambda w, r: {"number": w.zone.number},
        None,
        REPORTS_ZONE,
        None,
    ),
    ("api:v1:aggregates_national", "get", Scope.AGGREGATES_READ, _none, None, NATIONAL, None),
    ("api:v1:member_reports", "get", Scope.MEMBER_REPORTS_READ, _none, None, POLICE, "report"),
    (
        "api:v1:member_report",
        "get",
        Scope.MEMBER_REPORTS_READ,
        lambda w, r: _report(w),
        None,
        POLICE,
        None,
    ),
]
IDS = [f"{m[1].upper()} {m[0]}" for m in API_MATRIX]
# API URL names outside the matrix, with the test that covers them.
API_EXEMPT = {
    "api:v1:not_found": "any other path: tests/api/test_platform.py",
    "api:schema": "public, tests/api/test_docs.py (and the page matrix)",
    "api:docs": "public, tests/api/test_docs.py (and the page matrix)",
    "api:tokens:list": "a page, tests/test_role_matrix.py",
    "api:tokens:revoke": "POST only, tests/api/test_tokens.py",
}


def test_every_api_url_is_in_the_matrix():
    ours = {n for n in _named_urls(get_resolver()) if n.startswith("api:")}
    covered = {m[0] for m in API_MATRIX} | set(API_EXEMPT)
    assert ours - covered == set(), "add these API URLs to API_MATRIX"


@pytest.fixture
def world(shared_world, settings):
    settings.API_RATE_LIMIT = "100000/min"
    shared_world.zone.api_publishing_allowed = True
    shared_world.zone.save(update_fields=["api_publishing_allowed"])
    return shared_world


def _call(world, role, scopes, name, method, kwargs, body):
    user = world.users[role]
    client = client_for(make_token(user, scopes) if user is not None else None)
    args = kwargs(world, role)
    url = reverse(name, kwargs=args)
    data = body(world, role) if body else None
    return args, getattr(client, method)(url, data, format="json")


def _listed(world, what, results) -> bool:
    ids = {row["id"] for row in results}
    from messaging.models import IncidentReport, Message

    target = {
        "network": lambda: world.network.pk,
        "message": lambda: Message.objects.filter(networks=world.network).latest("pk").pk,
        "report": lambda: IncidentReport.objects.filter(network=world.network).latest("pk").pk,
    }[what]()
    return target in ids


def _prepare_list(world, what):
    if what == "message":
        _draft(world, "officer")
    elif what == "report":
        _report(world)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(
    ("name", "method", "scope", "kwargs", "body", "allowed", "listed"), API_MATRIX, ids=IDS
)
def test_api_role_matrix(world, role, name, method, scope, kwargs, body, allowed, listed):
    if listed:
        _prepare_list(world, listed)
    _args, response = _call(world, role, ALL_SCOPES, name, method, kwargs, body)
    if role == "anonymous":
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        return
    if listed:
        assert response.status_code == 200, (role, response.content)
        assert _listed(world, listed, response.json()["results"]) == (role in allowed), role
    elif role in allowed:
        assert response.status_code in (200, 201), (role, response.content)
    else:
        assert response.status_code in (403, 404, 422), (role, response.status_code)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ALL_ROLES[1:])
@pytest.mark.parametrize(
    ("name", "method", "scope", "kwargs", "body", "allowed", "listed"), API_MATRIX, ids=IDS
)
def test_api_scope_matrix(world, role, name, method, scope, kwargs, body, allowed, listed):
    """Every scope but the one the operation needs: refused for every role."""
    others = [s for s in ALL_SCOPES if s != scope]
    _args, response = _call(world, role, others, name, method, kwargs, body)
    assert response.status_code == 403, (role, response.content)
    assert response.json()["status"] == 403


@pytest.mark.parametrize("role", ALL_ROLES[1:])
def test_refused_writes_change_nothing(world, role):
    """A refused publish leaves the draft a draft; a refused create adds nothing."""
    from messaging.models import Message

    args, response = _call(world, role, ALL_SCOPES, "api:v1:publish", "post", _officer_draft, None)
    status = Message.objects.get(pk=args["pk"]).status
    assert (status == Message.Status.PUBLISHED) == (role in OFFICER_ONLY), role
    before = Message.objects.count()
    _args, response = _call(world, role, ALL_SCOPES, "api:v1:messages", "post", _none, _prevention)
    created = Message.objects.count() - before
    assert created == (1 if response.status_code == 201 else 0)
