"""Every /api/ request lands in api_requests_log with its route template; other paths do not."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics import buffer
from tests.factories import UserFactory

from .conftest import flush

pytestmark = pytest.mark.django_db


def test_api_requests_are_logged_with_route_status_user_and_request_id(clickhouse):
    user = UserFactory()
    client = APIClient(HTTP_USER_AGENT="jonquils-test/1.0", REMOTE_ADDR="10.1.2.3")
    client.force_authenticate(user)

    ok = client.get(f"/api/v1/analytics/user/{user.pk}", HTTP_X_REQUEST_ID="abc-123")
    forbidden = client.get(f"/api/v1/analytics/user/{user.pk + 1000}")
    missing = APIClient().get("/api/v1/no/such/thing")
    APIClient().get("/health")
    flush()

    assert ok.status_code == 200 and ok["X-Request-ID"] == "abc-123"
    assert forbidden.status_code == 403 and len(forbidden["X-Request-ID"]) == 32
    rows = clickhouse.rows(
        "SELECT request_id, user_id, method, endpoint, status_code, response_time_ms, user_agent, ip "
        "FROM api_requests_log ORDER BY timestamp")
    assert [(r["endpoint"], r["status_code"], r["user_id"]) for r in rows] == [
        ("/api/v1/analytics/user/<user_id>", 200, user.pk),
        ("/api/v1/analytics/user/<user_id>", 403, user.pk),
        ("<unmatched>", 404, 0),
    ]
    assert rows[0]["request_id"] == "abc-123" and rows[1]["request_id"] == forbidden["X-Request-ID"]
    assert (rows[0]["method"], rows[0]["user_agent"], rows[0]["ip"]) == ("GET", "jonquils-test/1.0", "10.1.2.3")
    assert all(r["response_time_ms"] > 0 for r in rows)
    assert missing.status_code == 404


def test_a_request_succeeds_when_the_buffer_is_down(clickhouse, settings, tmp_path):
    settings.ANALYTICS_BUFFER_URL = f"unix://{tmp_path}/no-redis.sock"
    buffer.reset_connection()
    try:
        user = UserFactory()
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(f"/api/v1/analytics/user/{user.pk}").status_code == 200
    finally:
        buffer.reset_connection()
