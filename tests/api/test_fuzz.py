"""Schemathesis over the whole OpenAPI schema, in process, as a physiotherapist: no 5xx,
documented status codes and content types, responses that match their schemas."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import World, token_client

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded through the app itself, as a client would (no database is touched to build it).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: the WSGI app must not close the connection that holds the
    test's transaction at the end of each request (PostgreSQL would lose the test data)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def physio_token(physio, patient, patient_without_consent):
    # Real rows so that list and detail endpoints have something to render.
    World(physio, patient, patient_without_consent)
    return token_client(physio).raw_token


# Revoking the token in use would turn every later example into a 401; it has its own tests.
@schema.exclude(path="/api/v1/auth/token/", method="DELETE").parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, physio_token):
    cache.clear()  # the fuzzer sends more requests than a person would: keep rate limits out of it
    case.call_and_validate(headers={"Authorization": f"Token {physio_token}"}, checks=CHECKS)
