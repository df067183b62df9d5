"""/metrics: Prometheus text from prometheus-client, by route template, private, and summed across
gunicorn's worker processes (multiprocess mode)."""
from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from etl.models import RegistryStatus, S3FileRegistry
from jonquils.embedded.run import web_command
from tests.conftest import _test_database_url
from tests.factories import TrackFactory
from tests.jonquils.test_web_access_log import _free_port, _get

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _sample(text: str, name: str, **labels) -> float:
    """The value of one sample (labels in any order), 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0] if "{" not in line else line[:line.rindex("}")]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_requests_are_counted_by_route_template_status_and_queries(client):
    track = TrackFactory()
    before = client.get("/metrics").content.decode()
    for _ in range(3):
        assert client.get(f"/api/v1/tracks/{track.pk}").status_code == 200
    assert client.get("/api/v1/tracks/999999").status_code == 404

    text = client.get("/metrics").content.decode()
    route = "/api/v1/tracks/<pk>"
    counted = _sample(text, "jonquils_http_requests_total", route=route, method="GET", status="200")
    assert counted - _sample(before, "jonquils_http_requests_total", route=route, method="GET", status="200") == 3
    assert _sample(text, "jonquils_http_requests_total", route=route, method="GET", status="404") >= 1
    assert _sample(text, "jonquils_http_request_duration_seconds_count", route=route, method="GET") >= 4
    assert _sample(text, "jonquils_db_queries_total", route=route) > 0
    assert f"/api/v1/tracks/{track.pk}" not in text and "/api/v1/tracks/999999" not in text  # no raw paths


def test_store_numbers_are_read_at_scrape_time(client):
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="a.mp3", status=RegistryStatus.FAILED)
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="b.mp3", status=RegistryStatus.PROCESSED)

    text = client.get("/metrics").content.decode()

    assert _sample(text, "jonquils_etl_files", status="failed") == 1
    assert _sample(text, "jonquils_etl_files", status="pending") == 0 and "jonquils_etl_files{" in text
    for name in ("jonquils_cache_hits", "jonquils_analytics_buffer_events", "jonquils_analytics_drain_lag_seconds"):
        assert re.search(rf"^{name} ", text, re.M), name
    assert "jonquils_active_streams" in text and "jonquils_active_transcodes" in text


def test_metrics_are_not_public(client):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 404
    with override_settings(METRICS_TOKEN="m" * 40):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside).status_code == 404
        allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "m" * 40, **outside)
    assert allowed.status_code == 200 and allowed["Content-Type"].startswith("text/plain")
    with override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"]):
        assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed


def test_gunicorn_workers_metrics_are_summed_in_multiprocess_mode(tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    env = dict(os.environ, WEB_WORKERS="3", WEB_THREADS="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
               DATABASE_URL=_test_database_url(), STATIC_MANIFEST="false", PYTHONUNBUFFERED="1")
    with open(tmp_path / "web.log", "ab") as log:
        process = subprocess.Popen(web_command(port=port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            assert _get(f"{base}/health/live", time.monotonic() + 60) == 200
        except OSError:
            raise AssertionError((tmp_path / "web.log").read_text()[-3000:]) from None
        before = _scrape(base)
        # The kernel's accept spreads connections over the workers, but a busy machine can hand one
        # worker a long run of them: keep asking (at least 30) until a second worker has counted.
        sent = 0
        while sent < 30 or (len(list(metrics_dir.glob("counter_*.db"))) < 2 and sent < 1000):
            with urllib.request.urlopen(f"{base}/health/live", timeout=10) as response:
                assert response.status == 200
            sent += 1
        text = _scrape(base)
    finally:
        process.terminate()
        process.wait(timeout=20)
    counted = _sample(text, "jonquils_http_requests_total", route="/health/live", status="200")
    assert counted - _sample(before, "jonquils_http_requests_total", route="/health/live", status="200") == sent
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2, (tmp_path / "web.log").read_text()[-2000:]


def _scrape(base: str) -> str:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        return response.read().decode()
