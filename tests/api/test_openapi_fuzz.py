"""Property-based run of the published OpenAPI schema over every endpoint (schemathesis).

The schema is loaded live from /api/schema/ through the WSGI application, and each operation
is called with generated (valid and invalid) input, signed in with a real JWT of a real admin,
so that every endpoint is reachable. No answer may be a server error, and every answer must
match the schema: a documented status, content type, headers and body.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.clients import login
from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, GenreFactory, PlaylistFactory, TrackFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
GENEROUS_RATES = {"anon": "100000/min", "user": "100000/min", "auth_ip": "100000/min", "auth_account": "100000/min"}


@contextmanager
def _keep_test_connection():
    """Keep the test's database connection (and its transaction) across WSGI calls, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, settings):
    # Throttling has its own tests; here it would hide the code behind it after a few calls.
    settings.API_THROTTLE_RATES = GENEROUS_RATES
    from jonquils.wsgi import application

    with _keep_test_connection():
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def admin_bearer(db, api_client):
    """A real admin signed in over HTTP, plus a little catalog for ids to point at."""
    admin = AdminFactory()
    genre = GenreFactory()
    artist = ArtistFactory()
    album = AlbumFactory(artist=artist)
    TrackFactory.create_batch(2, artist=artist, album=album, genre=genre)
    PlaylistFactory(owner=admin, is_public=True)
    return f"Bearer {login(api_client, admin)['access']}"


# 10 in `make test`; SCHEMATHESIS_EXAMPLES=50 for the deeper run done before a release.
EXAMPLES_PER_MODE = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_MODE,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _fuzz(operation, mode: GenerationMode, authorization: str) -> None:
    @HYPOTHESIS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers={"Authorization": authorization})
        case.validate_response(response, checks=CHECKS)

    run()


# schemathesis.pytest.from_fixture() would give one test per operation, but its lazy loader
# sets `node._nodeid`, which pytest 9 no longer has; so one test walks every operation.
@pytest.mark.slow
def test_every_operation_honours_its_schema(api_schema, admin_bearer, analytics_owner):
    operations, broken = [], []
    for result in api_schema.get_all_operations():
        (operations.append(result.ok()) if isinstance(result, Ok) else broken.append(str(result.err())))
    assert not broken, broken
    assert {op.label for op in operations} >= {"POST /api/v1/auth/login/", "PATCH /api/v1/users/{id}/"}

    failures = {}
    with _keep_test_connection():
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, admin_bearer)
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a BaseExceptionGroup
                    failures[f"{mode.value} {operation.label}"] = str(exc)[:3000]

    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
