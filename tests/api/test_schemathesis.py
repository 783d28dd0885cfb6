"""schemathesis against the OpenAPI schema: every operation, valid and
invalid inputs, with an officer's token holding every scope (the widest
token there is). No answer may be a server error, and every answer must be
one the schema documents, in its content type and shape.

Kept to ``MAX_EXAMPLES`` per operation so the suite stays quick.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode, checks

from tests.api.conftest import make_token

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    with_security_parameters=False,
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes the database connection after each request; the
    test's transaction lives on it. django.test.Client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_token(world, publishing_zone, settings) -> str:
    from tests.factories import MessageFactory

    settings.API_RATE_LIMIT = "100000/min"
    # Objects with small ids, so generated paths sometimes find something.
    MessageFactory(networks=[world.network], created_by=world.users["officer"])
    return make_token(world.users["officer"])


def test_the_schema_lists_every_operation():
    operations = {
        f"{op.method.upper()} {op.path}" for op in (r.ok() for r in schema.get_all_operations())
    }
    assert len(operations) == 19, sorted(operations)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case, officer_token):
    response = case.call(headers={"Authorization": f"Bearer {officer_token}"})
    case.validate_response(response, checks=CHECKS)
