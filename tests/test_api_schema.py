"""A fuzz run of the whole API from its own OpenAPI schema (schemathesis): every operation,
with generated valid and invalid input, by a manager's token holding every scope, on data
with a ticket, clocks, a buyer and an order. Whatever comes in: no server error, and every
answer has the content type the schema says."""

import os

import pytest
import schemathesis
from api_support import token_client
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from inbox_support import ticket_make
from reports_support import manager_make
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error

from helpdesk.wsgi import application

pytestmark = pytest.mark.django_db
# Examples per operation and mode: kept small so the run takes well under a minute; raise
# it by hand (FUZZ_EXAMPLES=500) for a deep run.
EXAMPLES = 20


@pytest.fixture
def wsgi_in_test():
    """The WSGI app called in the test's own transaction: as Django's test client does, the
    request signals must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(settings, wsgi_in_test) -> dict:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "read": "100000/min", "act": "100000/min"}}
    ticket_make(order_id="111-1234567-1234567")
    client = token_client(manager_make(), ("read", "act", "admin"))
    return {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}


def operations(auth: dict) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application,
                                            headers=auth)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_a_server_error(auth, mode):
    examples = int(os.environ.get("FUZZ_EXAMPLES", EXAMPLES))
    found = operations(auth)
    assert len(found) >= 24  # every endpoint is in the schema, so every one is fuzzed
    for operation in found:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case) -> None:
            case.call_and_validate(headers=auth,
                                   checks=[not_a_server_error, content_type_conformance])

        call()
