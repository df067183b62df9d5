"""Bounded waits: an S3 endpoint that never answers, Redis away, long SQL — each answers 503 or fails fast."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from jonquils.storage import bucket_storage, build_storages
from tests.audio import make_audio
from tests.factories import AdminFactory, TrackFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_s3():
    """An 'S3 endpoint' on loopback that accepts TCP connections and never answers a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def _s3_storages(tmp_path, endpoint: str, **timeouts) -> dict:
    return build_storages(media_root=tmp_path, s3={"endpoint_url": endpoint, "access_key": "k", "secret_key": "s",
                                                   "bucket_prefix": "silent-", **timeouts})


def _listener() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def test_s3_clients_get_bounded_timeouts_by_default(settings, tmp_path, silent_s3):
    settings.STORAGES = _s3_storages(tmp_path, silent_s3)
    config = bucket_storage("tracks").connection.meta.client.meta.config

    assert config.connect_timeout == 2.0 and config.read_timeout == 5.0  # botocore's: 60 s each, retried
    assert config.retries["total_max_attempts"] == 2


def test_a_stream_answers_503_within_seconds_when_s3_never_answers(settings, tmp_path, silent_s3):
    settings.STORAGES = _s3_storages(tmp_path, silent_s3, connect_timeout_s=1, read_timeout_s=1, max_attempts=1)
    track = TrackFactory(file_path="ab/abc.mp3", checksum="ab" * 32, mime_type="audio/mpeg")

    started = time.monotonic()
    response = _listener().get(f"/api/v1/tracks/{track.pk}/stream")
    elapsed = time.monotonic() - started

    assert response.status_code == 503, response.content
    assert response.json()["error"] == "storage_unavailable" and "detail" in response.json()
    assert elapsed < 5, elapsed
    track.refresh_from_db()
    assert track.processing_status == "ready"  # an unreachable store is not a missing file


def test_health_answers_503_within_its_check_timeout_when_s3_never_answers(client, settings, tmp_path, silent_s3):
    # botocore's own defaults here (2 s connect, 5 s read, 2 attempts): the per-check timeout bounds /health
    settings.STORAGES = _s3_storages(tmp_path, silent_s3)
    settings.HEALTH_CHECK_TIMEOUT_S = 2.0

    client.force_login(AdminFactory())  # the details (error strings) are for staff
    started = time.monotonic()
    response = client.get("/health")
    elapsed = time.monotonic() - started

    body = response.json()
    assert response.status_code == 503 and body["status"] == "down", body
    assert body["components"]["storage"]["ok"] is False
    assert "no answer within 2 s" in body["components"]["storage"]["error"]
    assert body["components"]["database"]["ok"] is True and body["components"]["cache"]["ok"] is True
    assert elapsed < 4, elapsed


def test_a_transcoded_stream_answers_503_when_redis_is_down(settings, tmp_path):
    import hashlib
    import tempfile

    from jonquils.storage import save_file

    settings.STORAGES = build_storages(media_root=tmp_path / "media")
    data = make_audio("mp3", duration_s=2)
    checksum = hashlib.sha256(data).hexdigest()
    key = f"{checksum[:2]}/{checksum}.mp3"
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        save_file(bucket_storage("tracks"), key, handle.name, content_type="audio/mpeg")
    track = TrackFactory(file_path=key, checksum=checksum, mime_type="audio/mpeg", file_size=len(data))
    client = _listener()
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0",
                                   "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}}

    response = client.get(f"/api/v1/tracks/{track.pk}/stream?format=opus&bitrate=96")

    assert response.status_code == 503, response.content  # was 500
    body = response.json()
    assert body["error"] == "busy" and "retry" in body["detail"]
    # the original still plays: only transcoding needs the slot counter
    assert client.get(f"/api/v1/tracks/{track.pk}/stream").status_code == 200


def _statement_timeout(*, web: bool) -> str:
    code = ("import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jonquils.settings'); "
            + ("import jonquils.wsgi; " if web else "django.setup(); ")
            + "from django.db import connection; c = connection.cursor(); c.execute('SHOW statement_timeout'); "
              "print(c.fetchone()[0])")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_web_processes_get_a_statement_timeout_and_others_do_not():
    assert _statement_timeout(web=True) == "30s"
    assert _statement_timeout(web=False) == "0"  # migrations, ETL, Celery may run long statements


def test_celery_tasks_have_time_limits_and_heavy_etl_tasks_longer_ones(settings):
    from jonquils.celery import app

    app.loader.import_default_modules()
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT == 300
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT == 360
    assert app.conf.task_reject_on_worker_lost is True and app.conf.task_acks_late is True
    for name in ("etl.music_etl_pipeline", "etl.process_upload"):
        task = app.tasks[name]
        assert task.soft_time_limit == 3000 and task.time_limit == 3300, name
