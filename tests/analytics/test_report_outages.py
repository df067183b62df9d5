"""Reports when a dependency is down: the cache (Redis) or a hung ClickHouse → 503 in the error format, quickly."""
from __future__ import annotations

import os
import signal
import socket
import time

import pytest
from rest_framework.test import APIClient

from analytics.clickhouse import ClickHouseUnavailable
from analytics.clickhouse.backends import NativeBackend
from tests.factories import AdminFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:9/0"  # a real Redis client against a port nothing listens on


def _report_urls(track) -> list[str]:
    return [f"/api/v1/analytics/track/{track.pk}", f"/api/v1/analytics/artist/{track.artist_id}",
            "/api/v1/analytics/platform"]


def test_with_redis_down_reports_answer_503_in_the_error_format(settings):
    # given an admin, a track, and the cache's Redis gone (the throttles let requests through)
    admin, track = AdminFactory(), TrackFactory(artist=ArtistFactory())
    client = APIClient()
    client.force_authenticate(admin)
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}

    # when each report is asked for, then each is a clear 503, not a 500
    for url in _report_urls(track) + [f"/api/v1/analytics/user/{admin.pk}"]:
        response = client.get(url)
        assert response.status_code == 503, (url, response.content)
        body = response.json()
        assert body["error"] == "analytics_unavailable" and "cache" in body["detail"], body


def test_with_redis_down_the_catalog_still_answers(settings):
    # (the degradation of the catalog cache is kept)
    TrackFactory()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    assert APIClient().get("/api/v1/tracks/").status_code == 200


def test_a_hung_analytics_owner_gives_503_within_the_timeout(clickhouse, analytics_owner, settings):
    # given an owner that accepts connections but never answers (stopped with SIGSTOP)
    settings.ANALYTICS_QUERY_TIMEOUT_S = 1.0
    admin = AdminFactory()
    client = APIClient()
    client.force_authenticate(admin)
    os.kill(analytics_owner.process.pid, signal.SIGSTOP)
    try:
        # when a report is asked for
        started = time.monotonic()
        response = client.get("/api/v1/analytics/platform")
        elapsed = time.monotonic() - started
    finally:
        os.kill(analytics_owner.process.pid, signal.SIGCONT)

    # then it is a 503 after about the timeout, not a wait without end
    assert (response.status_code, response.json()["error"]) == (503, "analytics_unavailable")
    assert elapsed < 10, elapsed


def test_a_silent_clickhouse_server_times_out_per_the_settings(settings):
    # given a TCP peer that accepts the connection and never speaks (a hung server)
    settings.CLICKHOUSE_CONNECT_TIMEOUT_S = 1.0
    settings.CLICKHOUSE_SEND_RECEIVE_TIMEOUT_S = 1.0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        backend = NativeBackend(f"clickhouse://default@127.0.0.1:{silent.getsockname()[1]}/default")

        # when a query is sent, then it fails as unavailable within seconds (the driver's default is 300 s)
        started = time.monotonic()
        with pytest.raises(ClickHouseUnavailable):
            backend.query("SELECT 1")
        assert time.monotonic() - started < 10
    connection = NativeBackend("clickhouse://default@127.0.0.1:9/default?send_receive_timeout=7")._client().connection
    assert (connection.connect_timeout, connection.send_receive_timeout) == (1.0, 7.0)
