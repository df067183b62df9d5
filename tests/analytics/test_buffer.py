"""The durable buffer: events wait while the store is down, arrive exactly once, and stay bounded."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import buffer, events
from analytics.models import ListeningHistory
from analytics.owner import FAULT_ENV
from analytics.services import listen_record
from jonquils.embedded.services import EmbeddedServiceError
from tests.factories import AdminFactory, ArtistFactory, TrackFactory, UserFactory

from .conftest import flush

pytestmark = pytest.mark.django_db


def _wait_exit(process, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while process.poll() is None:
        assert time.monotonic() < deadline, "the owner did not exit"
        time.sleep(0.05)
    return process.returncode


def test_down_store_reports_503_and_health_degraded_then_recovers(clickhouse, analytics_owner):
    admin = AdminFactory()
    client = APIClient()
    client.force_authenticate(admin)
    analytics_owner.stop()
    try:
        events.record_search(query="while down", results_count=0)  # buffered, nothing fails
        response = client.get("/api/v1/analytics/platform")
        assert (response.status_code, response.json()["error"]) == (503, "analytics_unavailable")
        health = client.get("/health").json()
        assert health["components"]["analytics"]["ok"] is False
        assert health["status"] in ("degraded", "down")
        assert buffer.stats()["backlog"] >= 1
    finally:
        analytics_owner.start()
    flush()
    assert clickhouse.scalar("SELECT count() FROM search_analytics WHERE query = 'while down'") == 1
    component = client.get("/health").json()["components"]["analytics"]
    assert component["ok"] is True and component["buffered_events"] == 0 and component["dropped_events"] == 0


def test_buffer_is_bounded_and_counts_what_it_drops(clickhouse, analytics_owner, settings):
    analytics_owner.stop()
    try:
        settings.ANALYTICS_BUFFER_MAX_EVENTS = buffer.get_redis().xlen(buffer.STREAM) + 3
        accepted = [events.record_search(query=f"q{i}", results_count=1) for i in range(5)]
        stats = buffer.stats()
        assert stats["dropped"] == {"search_analytics": 2}
        assert len(accepted) == 5
    finally:
        analytics_owner.start()
    flush()
    assert sorted(r[0] for r in clickhouse.query("SELECT query FROM search_analytics")[1]) == ["q0", "q1", "q2"]


def test_a_crash_between_insert_and_acknowledgement_delivers_once(clickhouse, analytics_owner):
    analytics_owner.stop()
    ids = [events.record_event(action="like", track_id=1, artist_id=1, user_id=i) for i in range(1, 301)]
    try:
        analytics_owner.start(**{FAULT_ENV: "1"})
    except EmbeddedServiceError:
        pass  # it may crash before it answered the readiness ping
    crashed = analytics_owner.process
    if crashed is not None:
        assert _wait_exit(crashed) == 70
    analytics_owner.process = None
    assert "fault injection" in analytics_owner.log_path.read_text()
    assert buffer.stats()["pending"] == 300  # inserted, never acknowledged
    analytics_owner.start()
    flush()
    assert clickhouse.rows("SELECT count() AS n, uniqExact(event_id) AS u FROM track_analytics") == [{"n": 300, "u": 300}]
    assert clickhouse.scalar("SELECT sum(likes) FROM artist_analytics") == 300
    assert len(set(ids)) == 300


@pytest.mark.slow
def test_10000_listens_through_an_outage_and_a_crash_arrive_exactly_once(
        clickhouse, analytics_owner, django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(20)
    tracks = [TrackFactory(artist=ArtistFactory()) for _ in range(25)]
    expected = {"play": 0, "complete": 0, "skip": 0}
    first_at = timezone.now() - timedelta(days=2)

    def post(numbers):
        numbers = list(numbers)
        for start in range(0, len(numbers), 500):
            with django_capture_on_commit_callbacks(execute=True):  # the signal fires on commit
                for i in numbers[start:start + 500]:
                    completion, played_ms = (i * 37) % 101, (i * 7919) % 200_000
                    # each user's listens one after the other (201 s apart, ≤ 200 s heard): none overlaps
                    listen_record(user=users[i % 20], track=tracks[i % 25], play_duration_ms=played_ms,
                                  completion_percentage=float(completion), platform="web", device_type="desktop",
                                  played_at=first_at + timedelta(seconds=201 * (i // 20)))
                    for action in events.listen_actions(completion_percentage=completion, play_duration_ms=played_ms):
                        expected[action] += 1

    post(range(0, 3000))                        # store up
    analytics_owner.kill()                      # store gone mid-stream (SIGKILL: a crash)
    post(range(3000, 6000))                     # events wait in Redis
    assert buffer.stats()["backlog"] >= 3000
    crashes_before = analytics_owner.log_path.read_text().count("fault injection")
    try:                                        # back, but it crashes after one insert, before the ack
        analytics_owner.start(**{FAULT_ENV: "1"})
    except EmbeddedServiceError:
        pass
    if analytics_owner.process is not None:
        _wait_exit(analytics_owner.process)
    analytics_owner.process = None
    assert analytics_owner.log_path.read_text().count("fault injection") == crashes_before + 1
    assert buffer.stats()["pending"] > 0        # that insert was never acknowledged
    analytics_owner.start()                     # back for good
    post(range(6000, 10_000))
    flush()

    assert ListeningHistory.objects.count() == 10_000
    counts = dict(clickhouse.query("SELECT toString(action) AS a, count() FROM track_analytics GROUP BY a")[1])
    assert counts == {k: v for k, v in expected.items() if v} and counts["play"] == 10_000
    assert clickhouse.rows("SELECT count() AS n, uniqExact(event_id) AS u FROM track_analytics") == [
        {"n": sum(expected.values()), "u": sum(expected.values())}]
    assert clickhouse.scalar("SELECT sum(plays) FROM artist_analytics") == 10_000
    assert buffer.stats()["backlog"] == 0 and buffer.stats()["dropped"] == {}
