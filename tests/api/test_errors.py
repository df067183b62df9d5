"""One error format everywhere, and with DEBUG off no stack trace or SQL in any answer."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "no_such_table", "SELECT", "hunter2", "secret_column", "File \"", ".py", "exploded")


def _assert_clean(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code and isinstance(body["detail"], str)
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text, leak


def test_tests_run_with_debug_off():
    assert settings.DEBUG is False


@override_settings(ROOT_URLCONF="tests.api.boom_urls")
def test_a_database_error_in_an_api_view_is_a_plain_500():
    _assert_clean(Client().get("/api/v1/test-boom-sql"), 500, "server_error")


@override_settings(ROOT_URLCONF="tests.api.boom_urls")
def test_a_crash_outside_drf_is_still_a_plain_json_500():
    client = Client(raise_request_exception=False)

    _assert_clean(client.get("/api/v1/test-boom-plain"), 500, "server_error")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/no-such-endpoint", 404, "not_found"),
        ("get", "/api/v1/users/abc", 404, "not_found"),
        ("put", "/api/v1/auth/me", 401, "not_authenticated"),
        ("get", "/api/v1/auth/login", 405, "method_not_allowed"),
    ],
)
def test_client_errors_use_the_one_format(api_client, method, path, status, code):
    _assert_clean(getattr(api_client, method)(path), status, code)


def test_malformed_json_is_a_parse_error_without_internals(api_client):
    response = api_client.generic("POST", "/api/v1/auth/login", b'{"username": "a", "password": ', content_type="application/json")

    _assert_clean(response, 400, "parse_error")


def test_an_unsupported_media_type_is_415(api_client):
    response = api_client.generic("POST", "/api/v1/auth/login", b"<xml/>", content_type="application/xml")

    _assert_clean(response, 415, "unsupported_media_type")


def test_an_oversized_body_is_refused_cleanly(api_client):
    body = b'{"username": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'", "password": "x"}'

    response = api_client.generic("POST", "/api/v1/auth/login", body, content_type="application/json")

    _assert_clean(response, 413, "too_large")
