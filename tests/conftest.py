"""Shared fixtures. Under CI=true a test that needs PostgreSQL, Redis or a
worker fails when the service is missing instead of being skipped."""

from __future__ import annotations

import copy
import os
from pathlib import PurePosixPath

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import translation

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip locally, fail under CI: CI must never pass by skipping."""
    if IN_CI:
        pytest.fail(f"required under CI: {reason}", pytrace=False)
    pytest.skip(reason)


# Under pytest-xdist (`-n auto --dist loadgroup`, pyproject.toml) each process
# has its own test database and, with Redis, its own cache database
# (settings/test.py). The tests in these folders share something more, so each
# folder runs as one unit on one process, one test after the other:
# - integration: Celery worker processes consuming the shared Redis broker's
#   queues (one process's worker would take the other's tasks), and the fault
#   tests' worker kills and private Redis servers, which are timed;
# - e2e: a Chromium per journey against the live server, heavy on 2 cores.
XDIST_GROUPS = {"integration": "integration", "e2e": "browser"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """loadgroup, with the groups above taken from the test's folder.

    An ``xdist_group`` mark would do, but pytest-xdist 3.8 loses it on pytest
    9.2's structured node ids (pytest-dev/pytest-xdist#1386): it renames the
    test to ``<id>@<group>`` through an attribute pytest no longer reads.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    # why: only xdist calls this hook; importing xdist at the top would make the
    # suite need it even when run in one process.
    from xdist.scheduler import LoadGroupScheduling

    class FolderGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            parts = PurePosixPath(nodeid.split("::", 1)[0]).parts
            if len(parts) > 2 and parts[0] == "tests" and parts[1] in XDIST_GROUPS:
                return XDIST_GROUPS[parts[1]]
            return super()._split_scope(nodeid)

    return FolderGroupScheduling(config, log)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and allauth state live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request with Accept-Language leaves its language active in the test's
    # thread (LocaleMiddleware does not reset it): the next test starts afresh.
    yield
    translation.deactivate()


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        missing("PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url:
        missing("Redis (set REDIS_URL=redis://...)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing(f"Redis at {url} is not reachable: {exc}")
    return url


@pytest.fixture(scope="session", autouse=True)
def _ci_uses_real_services(django_db_setup, django_db_blocker):
    """Under CI the whole suite must run on PostgreSQL and Redis."""
    if IN_CI:
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", "CI=true but the database is not PostgreSQL"
        assert settings.REDIS_URL, "CI=true but REDIS_URL is not set"
        assert "redis" in settings.CACHES["default"]["BACKEND"].lower()


class World:
    """Two zones, each with a municipality and a network, and one user per role.

    ``network`` is "this" network; ``other_network`` lies in another zone and
    municipality. Staff users have TOTP enabled so the MFA gate lets them in.
    """

    def __init__(self) -> None:
        from members.models import Member
        from networks.models import Role
        from tests.factories import (
            MemberFactory,
            MunicipalityFactory,
            NetworkFactory,
            PoliceZoneFactory,
            UserFactory,
            user_with_role,
        )

        self.zone = PoliceZoneFactory(name="Erpe-Mere/Lede", number="5416")
        self.other_zone = PoliceZoneFactory(name="Aalst", number="5417")
        self.municipality = MunicipalityFactory(name="Lede", police_zone=self.zone)
        self.other_municipality = MunicipalityFactory(name="Aalst", police_zone=self.other_zone)
        self.network = NetworkFactory(
            name="Oordegem", slug="oordegem", municipality=self.municipality
        )
        self.other_network = NetworkFactory(
            name="Nieuwerkerken", slug="nieuwerkerken", municipality=self.other_municipality
        )
        self.member = MemberFactory(network=self.network, status=Member.Status.ACTIVE)
        self.other_member = MemberFactory(network=self.other_network)
        self.users = {
            "anonymous": None,
            "member": UserFactory(email="member@example.org"),
            "coordinator": user_with_role(Role.COORDINATOR, scope=self.network),
            "co_coordinator": user_with_role(Role.CO_COORDINATOR, scope=self.network),
            "steering": user_with_role(Role.STEERING, scope=self.network),
            "coordinator_other": user_with_role(Role.COORDINATOR, scope=self.other_network),
            "officer": user_with_role(Role.OFFICER, scope=self.zone),
            "officer_other": user_with_role(Role.OFFICER, scope=self.other_zone),
            "municipal": user_with_role(Role.MUNICIPAL_STAFF, scope=self.municipality),
            "municipal_other": user_with_role(Role.MUNICIPAL_STAFF, scope=self.other_municipality),
            "federal": user_with_role(Role.FEDERAL_VIEWER),
            "admin": user_with_role(Role.ADMIN),
        }


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> World:
    """One World for a whole test module, as Django's ``TestCase.setUpTestData``.

    Built once inside a module-wide transaction that is rolled back at the
    end; each test's ``db`` fixture then runs in a savepoint inside it, so
    what a test writes (posts, per-case builders) is gone before the next.
    Not for tests needing ``transactional_db`` or ``live_server``: those
    truncate tables instead of rolling back. A module opts in by overriding
    ``world`` with ``shared_world``.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        built = World()
        try:
            yield built
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def shared_world(module_world, db) -> World:
    # A copy per test, so an instance a test changes in memory (refresh_from_db
    # after a post, force_login's last_login) does not reach the next test;
    # deepcopy keeps the references between the world's objects.
    return copy.deepcopy(module_world)
