"""Monitoring checks and alerts: each data-quality fault seeded for real raises one deduplicated alert,
fixing it resolves the alert; the webhook POSTs under the SSRF rules; staff acknowledge in admin."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.events import request_row
from analytics.models import ListeningHistory
from analytics.signals import listen_recorded
from etl.models import Alert, JobStatus, RegistryStatus, S3FileRegistry
from etl.pipeline.monitoring import Finding, alerts_sync, run_monitoring
from etl.pipeline.monitoring.quality import (check_listens_in_clickhouse, check_orphan_objects,
                                             check_playlist_positions, check_ready_without_features,
                                             check_stuck_processing)
from etl.tasks import alert_webhook_task
from tests.analytics.conftest import clickhouse, flush  # noqa: F401 - fixture
from tests.etl.conftest import drop
from tests.factories import AdminFactory, ListenFactory, PlaylistFactory, PlaylistTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_alerts():
    Alert.objects.all().delete()  # etl.* tables are not flushed between transactional tests
    yield
    Alert.objects.all().delete()


def _open(source: str) -> list[Alert]:
    return list(Alert.objects.filter(source=source, resolved_at__isnull=True))


def test_a_lasting_condition_is_one_alert_counted_then_resolved_and_reopened_as_new():
    finding = Finding("3 files stuck", key="")
    first = alerts_sync(source="stuck_processing", findings=[finding])
    second = alerts_sync(source="stuck_processing", findings=[Finding("4 files stuck", key="")])

    [alert] = _open("stuck_processing")
    assert first["open"] == second["open"] == [alert.pk]
    assert (alert.count, alert.message) == (2, "4 files stuck")
    assert alert.last_seen_at >= alert.first_seen_at

    gone = alerts_sync(source="stuck_processing", findings=[])
    assert gone["resolved"] == [alert.pk] and _open("stuck_processing") == []
    again = alerts_sync(source="stuck_processing", findings=[finding])
    assert again["open"] != [alert.pk] and Alert.objects.filter(source="stuck_processing").count() == 2


def test_the_database_refuses_a_second_open_alert_for_one_condition():
    Alert.objects.create(source="x", key="k", message="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(source="x", key="k", message="two")
    Alert.objects.filter(source="x").update(resolved_at=timezone.now())
    Alert.objects.create(source="x", key="k", message="three")  # a resolved one does not count


def test_stuck_processing_is_found_and_clears_when_the_row_moves_on():
    row = S3FileRegistry.objects.create(bucket_name="tracks", file_path="in/slow.mp3", status=RegistryStatus.PROCESSING)
    S3FileRegistry.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    fresh = S3FileRegistry.objects.create(bucket_name="tracks", file_path="in/new.mp3", status=RegistryStatus.PROCESSING)

    result = check_stuck_processing()

    assert result.report["stuck_ids"] == [row.pk] and fresh.pk not in result.report["stuck_ids"]
    assert [f.message for f in result.findings] == ["1 files stuck in processing for over 60 minutes"]
    S3FileRegistry.objects.filter(pk=row.pk).update(status=RegistryStatus.PROCESSED)
    assert check_stuck_processing().findings == []


def test_objects_without_a_track_are_found(local_bucket):
    track = TrackFactory(file_path="in/known.mp3")
    drop("in/known.mp3", b"x" * 10)
    drop("in/stray.mp3", b"y" * 10)
    drop("transcodes/derived.mp3", b"z")  # derived files are not originals

    result = check_orphan_objects()

    assert result.report["orphan_keys"] == ["in/stray.mp3"] and len(result.findings) == 1
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="in/stray.mp3", status=RegistryStatus.FAILED)
    assert check_orphan_objects().findings == [] and track.pk


def test_ready_tracks_without_features_and_pending_ones_are_told_apart():
    missing = TrackFactory()
    TrackFactory(processing_status="pending")
    TrackFactory(feature_vector=[0.1, 0.2])

    result = check_ready_without_features()

    assert result.report["track_ids"] == [missing.pk]


def test_playlist_positions_with_a_gap_are_found():
    dense, gappy = PlaylistFactory(), PlaylistFactory()
    for position in (0, 1, 2):
        PlaylistTrackFactory(playlist=dense, position=position)
    for position in (0, 2):
        PlaylistTrackFactory(playlist=gappy, position=position)

    assert check_playlist_positions().report["playlist_ids"] == [gappy.pk]


def test_listens_not_in_clickhouse_after_the_lag_are_found(clickhouse):  # noqa: F811
    old = timezone.now() - timedelta(minutes=30)
    delivered = ListenFactory(played_at=old)
    listen_recorded.send(sender=ListeningHistory, listens=[delivered])  # what listen_record sends after commit
    lost = ListenFactory(played_at=old - timedelta(minutes=5))  # written without its event
    ListenFactory(played_at=timezone.now())  # too recent to judge
    flush()

    result = check_listens_in_clickhouse()

    assert result.complete and (result.report["checked"], result.report["listen_ids"]) == (2, [lost.pk])
    listen_recorded.send(sender=ListeningHistory, listens=[lost])
    flush()
    assert check_listens_in_clickhouse().findings == []


def test_a_failing_route_in_the_request_log_raises_a_critical_alert(clickhouse, settings):  # noqa: F811
    settings.MONITORING_PERF_MIN_REQUESTS = 10
    now = timezone.now()
    rows = [request_row(request_id=str(i), user_id=None, method="GET", endpoint="/api/v1/tracks/{id}",
                        status_code=500 if i % 2 else 200, response_time_ms=12.0, user_agent="", ip="",
                        timestamp=now - timedelta(seconds=i)) for i in range(20)]
    clickhouse.insert("api_requests_log", rows)

    job = run_monitoring(only=["request_performance"])

    [alert] = _open("request_performance")
    assert (alert.key, alert.severity) == ("error_rate:/api/v1/tracks/{id}", "critical")
    assert "50.0% of 20 requests failed" in alert.message and job.status == JobStatus.PARTIAL
    clickhouse.command("TRUNCATE TABLE api_requests_log")
    run_monitoring(only=["request_performance"])
    assert _open("request_performance") == []


def test_manage_py_monitor_runs_the_checks_and_exits_1_with_the_open_alerts(capsys):
    PlaylistTrackFactory(playlist=PlaylistFactory(), position=3)
    with pytest.raises(CommandError) as raised:
        call_command("monitor", "--check", "playlist_positions")
    assert raised.value.returncode == 1
    assert "playlist_positions 1 playlists have gaps in their positions (seen 1x)" in capsys.readouterr().out


class _Receiver(BaseHTTPRequestHandler):
    status = 204
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received, _Receiver.status = [], 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_webhook_posts_an_alert_only_to_an_allowed_address(receiver, settings):
    alert = Alert.objects.create(source="service", key="cache", severity="critical", message="cache is down")
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{receiver.server_port}/hook?x=1"

    # a loopback receiver is refused by the SSRF rules, and nothing is sent
    assert alert_webhook_task.apply(args=[alert.pk, "opened"]).get() == "refused"
    assert _Receiver.received == []

    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert alert_webhook_task.apply(args=[alert.pk, "opened"]).get() == "sent"
    [(path, content_type, payload)] = _Receiver.received
    assert (path, content_type) == ("/hook?x=1", "application/json")
    assert payload | {"first_seen_at": None, "last_seen_at": None} == {
        "event": "opened", "id": alert.pk, "severity": "critical", "source": "service", "key": "cache",
        "message": "cache is down", "count": 1, "first_seen_at": None, "last_seen_at": None, "resolved_at": None}


def test_a_failing_webhook_is_retried_then_given_up(receiver, settings):
    from etl.pipeline.monitoring.webhook import WebhookFailed

    alert = Alert.objects.create(source="service", key="db", message="down")
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{receiver.server_port}/"
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    _Receiver.status = 503

    result = alert_webhook_task.apply(args=[alert.pk, "opened"])

    assert isinstance(result.result, WebhookFailed)
    assert len(_Receiver.received) == 1 + alert_webhook_task.max_retries


def test_a_silent_webhook_receiver_is_cut_at_the_timeout(settings):
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    from etl.pipeline.monitoring.webhook import WebhookFailed, webhook_post

    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    started = time.monotonic()
    with pytest.raises(WebhookFailed):
        webhook_post(f"http://127.0.0.1:{listener.getsockname()[1]}/", {"a": 1}, timeout_s=0.5)
    assert time.monotonic() - started < 3
    listener.close()


def test_staff_acknowledge_alerts_in_admin(client):
    admin = AdminFactory()
    alert = Alert.objects.create(source="service", key="cache", message="cache is down")
    client.force_login(admin)

    listing = client.get("/admin/etl/alert/?state=open")
    assert listing.status_code == 200 and b"cache is down" in listing.content
    done = client.post("/admin/etl/alert/", {"action": "acknowledge", "_selected_action": [alert.pk]}, follow=True)

    assert done.status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_by == admin and alert.acknowledged_at is not None
    assert client.get("/admin/etl/alert/add/").status_code == 403
