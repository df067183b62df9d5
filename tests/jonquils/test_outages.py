"""Components stopped mid-run and started again, the web side never restarted: requests answer 503 in
the error format within seconds, /health says so, monitoring opens an alert, and everything recovers
(the alert resolved) once the component is back."""
from __future__ import annotations

import os
import signal
import time

import pytest
from rest_framework.test import APIClient

from etl.models import Alert
from etl.pipeline.monitoring import run_monitoring
from jonquils.health import readiness_forget
from tests.analytics.conftest import clickhouse, flush  # noqa: F401 - fixture
from tests.audio import make_audio
from tests.factories import AdminFactory, TrackFactory, UserFactory
from tests.storage.conftest import _use_backend
from tests.storage.test_streaming import stored_track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_alerts():
    Alert.objects.all().delete()
    readiness_forget()
    yield
    Alert.objects.all().delete()
    readiness_forget()


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _open_alert(source: str, key: str) -> Alert | None:
    return Alert.objects.filter(source=source, key=key, resolved_at__isnull=True).first()


def _staff() -> APIClient:
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def test_redis_stopped_and_started_again(embedded_services, settings):
    if embedded_services.redis is None:
        pytest.skip("Redis is an external server here (REDIS_URL)")
    settings.HEALTH_TOKEN = "h" * 40
    TrackFactory()
    client = APIClient()
    assert client.get("/api/v1/tracks/").status_code == 200
    from django.test import Client
    from django_redis import get_redis_connection

    signed_in = Client()
    signed_in.force_login(UserFactory())  # its session lives in the cache
    assert signed_in.get("/").status_code == 200

    pid = get_redis_connection("default").info("server")["process_id"]
    # when Redis stops (the embedded server, for real), the web process keeps running
    embedded_services.redis.process = embedded_services.redis.process or _Adopted(pid)
    embedded_services.redis.stop()
    try:
        # what can answer without the cache does (the catalog falls back to the database), quickly
        response, elapsed = _timed(lambda: client.get("/api/v1/tracks/"))
        assert response.status_code == 200 and elapsed < 5, (response.status_code, elapsed)
        # what cannot (a session kept in the cache) answers 503 in the error format, quickly, never 500
        response, elapsed = _timed(lambda: signed_in.get("/"))
        assert response.status_code == 503 and response.json()["error"] == "cache_unavailable", response.content
        assert response["Retry-After"] == "5" and elapsed < 5, elapsed
        health, elapsed = _timed(lambda: client.get("/health", HTTP_AUTHORIZATION="Bearer " + "h" * 40))
        assert health.status_code == 503 and health.json()["components"]["cache"]["ok"] is False and elapsed < 5
        assert client.get("/health/ready").status_code == 503
        run_monitoring(only=["service"])
        alert = _open_alert("service", "cache")
        assert alert is not None and alert.severity == "critical"
    finally:
        embedded_services.redis.start()

    # then it recovers without a restart
    readiness_forget()
    deadline = time.monotonic() + 15
    while signed_in.get("/").status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover after Redis came back"
        time.sleep(0.2)
    assert client.get("/health/ready").status_code == 200
    run_monitoring(only=["service"])
    assert _open_alert("service", "cache") is None
    assert Alert.objects.get(source="service", key="cache").resolved_at is not None


class _Adopted:
    """A Redis this test run joined instead of starting: stopped by its pid like a child would be."""

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self):
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    def terminate(self):
        os.kill(self.pid, signal.SIGTERM)

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout or 10)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError
            time.sleep(0.05)
        return 0


def test_the_analytics_owner_stopped_and_started_again(clickhouse, analytics_owner):  # noqa: F811
    staff = _staff()
    assert staff.get("/api/v1/analytics/platform").status_code == 200
    analytics_owner.stop()
    from django.core.cache import cache

    cache.clear()  # the report above is cached for ANALYTICS_CACHE_SECONDS: ask ClickHouse again
    try:
        response, elapsed = _timed(lambda: staff.get("/api/v1/analytics/platform"))
        assert (response.status_code, response.json()["error"]) == (503, "analytics_unavailable") and elapsed < 10
        health = staff.get("/health").json()
        assert health["status"] == "degraded" and health["components"]["analytics"]["ok"] is False
        run_monitoring(only=["service"])
        assert _open_alert("service", "analytics").severity == "warning"
    finally:
        analytics_owner.start()
    flush()
    assert staff.get("/api/v1/analytics/platform").status_code == 200
    run_monitoring(only=["service"])
    assert _open_alert("service", "analytics") is None


def test_s3_hanging_mid_run_then_answering_again(request, settings, tmp_path, seaweedfs):
    _use_backend(request, settings, tmp_path, "s3")
    settings.STREAM_S3_REDIRECT = False  # the bytes go through the web process
    settings.HEALTH_CHECK_TIMEOUT_S = 2.0
    settings.HEALTH_TOKEN = "h" * 40
    track = stored_track(make_audio("mp3", duration_s=1))
    listener = APIClient()
    listener.force_authenticate(UserFactory())
    stream = f"/api/v1/tracks/{track.pk}/stream"
    assert listener.get(stream).status_code == 200

    os.kill(seaweedfs.process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        response, elapsed = _timed(lambda: listener.get(stream))
        assert response.status_code == 503 and response.json()["error"] == "storage_unavailable", response.content
        assert elapsed < 20, elapsed  # connect 2 s + read 5 s, 2 attempts at most (settings)
        health, elapsed = _timed(lambda: listener.get("/health", HTTP_AUTHORIZATION="Bearer " + "h" * 40))
        assert health.status_code == 503 and health.json()["components"]["storage"]["ok"] is False
        assert elapsed < 4, elapsed
        run_monitoring(only=["service"])
        assert _open_alert("service", "storage").severity == "critical"
    finally:
        os.kill(seaweedfs.process.pid, signal.SIGCONT)

    deadline = time.monotonic() + 20
    while listener.get(stream).status_code != 200:
        assert time.monotonic() < deadline, "streams did not recover after S3 came back"
        time.sleep(0.5)
    run_monitoring(only=["service"])
    assert _open_alert("service", "storage") is None
    track.refresh_from_db()
    assert track.processing_status == "ready"  # an unreachable store is not a missing file
