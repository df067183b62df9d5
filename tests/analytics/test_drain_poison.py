"""A batch ClickHouse refuses never stops the drain: it is split, its poison goes to dead letters, health tells."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from analytics import buffer, dead_letters, events
from tests.factories import AdminFactory, TrackFactory, UserFactory

from .conftest import flush

pytestmark = pytest.mark.django_db


def _monthly_since_1980(n: int, user_id: int) -> list[tuple]:
    """n plays dated one per month from January 1980 (the API refuses such dates now: pushed directly)."""
    return [("track_analytics", events.track_event_row(
        action="play", track_id=1, artist_id=1, user_id=user_id, duration_played_ms=1000,
        timestamp=datetime(1980 + i // 12, i % 12 + 1, 15, 12, tzinfo=dt_timezone.utc))) for i in range(n)]


def _wait_for(predicate, timeout_s: float = 60.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _analytics_health() -> dict:
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    return admin.get("/health").json()["components"]["analytics"]


def test_listens_spread_over_130_months_do_not_stop_later_listens(clickhouse, analytics_owner,
                                                                   django_capture_on_commit_callbacks):
    # given the owner paused while 130 plays dated one a month from 1980 wait in the buffer
    analytics_owner.stop()
    try:
        assert buffer.push_many(_monthly_since_1980(130, user_id=7)) == 130
    finally:
        analytics_owner.start()

    # when a listener plays something now (the drain loop alone delivers it: no flush)
    user, track = UserFactory(), TrackFactory()
    api = APIClient()
    api.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/analytics/listen", {
            "track_id": track.id, "play_duration_ms": 200_000, "completion_percentage": 100.0,
            "platform": "web", "device_type": "desktop"}, format="json").status_code == 201

    # then the new listen arrives, and so do the old plays, each once, in their 130 months
    _wait_for(lambda: clickhouse.scalar("SELECT count() FROM track_analytics WHERE user_id = %(u)s",
                                        {"u": user.pk}) == 2, what="the new listen in ClickHouse")
    _wait_for(lambda: buffer.stats()["backlog"] == 0, what="an empty buffer")
    assert clickhouse.rows("SELECT count() AS n, uniqExact(event_id) AS u, uniqExact(toYYYYMM(timestamp)) AS months "
                           "FROM track_analytics WHERE user_id = 7") == [{"n": 130, "u": 130, "months": 130}]
    assert dead_letters.dead_letter_count() == 0
    component = _analytics_health()
    assert component["ok"] is True and component["buffered_events"] == 0 and component["dead_letter_events"] == 0


def test_a_stuck_drain_is_reported_by_health(clickhouse, analytics_owner, settings):
    # given a drainer that never gives up on a refused batch (what the drain did before)
    settings.ANALYTICS_HEALTH_MAX_LAG_S = 2
    analytics_owner.stop()
    buffer.push_many(_monthly_since_1980(130, user_id=8))
    analytics_owner.start(ANALYTICS_POISON_AFTER_ATTEMPTS="1000000")
    try:
        _wait_for(lambda: buffer.stats()["last_drain_error"] is not None, what="a failed drain")
        time.sleep(2.5)

        # then /health says analytics is not ok, with the numbers and ClickHouse's reason
        component = _analytics_health()
        assert component["ok"] is False
        assert component["buffered_events"] == 130 and component["oldest_buffered_event_age_s"] >= 2
        assert "stuck or lagging" in component["error"]
        assert "Too many partitions" in component["last_drain_error"]["error"]
    finally:
        analytics_owner.stop()
        analytics_owner.start()

    # when the drainer splits refused batches again (the default), all of it arrives
    flush()
    assert clickhouse.scalar("SELECT count() FROM track_analytics WHERE user_id = 8") == 130
    _wait_for(lambda: buffer.stats()["last_drain_error"] is None, what="the drain error to clear")
    assert _analytics_health()["ok"] is True


def _poison(**overrides) -> bytes:
    row = events.track_event_row(action="like", track_id=2, artist_id=2, user_id=9)
    row.update(overrides)
    return json.dumps(row).encode()


def test_events_refused_one_by_one_become_dead_letters_and_the_rest_arrives(clickhouse, analytics_owner):
    # given a batch with good events and two ClickHouse refuses even alone
    analytics_owner.stop()
    try:
        redis = buffer.get_redis()
        good = [events.record_event(action="like", track_id=3, artist_id=3, user_id=i) for i in range(1, 6)]
        redis.xadd(buffer.STREAM, {"t": "track_analytics", "r": _poison(action="explode")})
        redis.xadd(buffer.STREAM, {"t": "track_analytics", "r": _poison(event_id="not-a-uuid")})
        redis.xadd(buffer.STREAM, {"t": "track_analytics", "r": b"{not json"})
        good += [events.record_event(action="like", track_id=3, artist_id=3, user_id=i) for i in range(6, 11)]
    finally:
        analytics_owner.start()

    # when it is drained
    flush()

    # then the good events arrived once, the three refused wait in the dead letters
    assert clickhouse.rows("SELECT count() AS n, uniqExact(event_id) AS u FROM track_analytics WHERE artist_id = 3") \
        == [{"n": 10, "u": 10}]
    assert clickhouse.scalar("SELECT count() FROM track_analytics WHERE artist_id = 2") == 0
    assert buffer.stats()["backlog"] == 0
    letters = dead_letters.dead_letter_list()
    assert len(letters) == 3 and {letter.table for letter in letters} == {"track_analytics"}
    reasons = " | ".join(letter.error for letter in letters)
    assert "explode" in reasons and "uuid" in reasons.lower() and "not JSON" in reasons

    # and health says so until staff look at them
    component = _analytics_health()
    assert component["ok"] is False and component["dead_letter_events"] == 3
    assert "dead letters" in component["error"]

    # staff count and inspect them ...
    out = StringIO()
    call_command("analytics_dead_letters", stdout=out)
    assert out.getvalue().startswith("3 dead letter(s)") and "explode" in out.getvalue()

    # ... replay one (still poison: it comes back to the dead letters, nothing else changes) ...
    explode = next(letter for letter in letters if "explode" in letter.payload)
    call_command("analytics_dead_letters", "replay", explode.id, stdout=StringIO())
    flush()
    assert dead_letters.dead_letter_count() == 3
    assert explode.id not in {letter.id for letter in dead_letters.dead_letter_list()}

    # ... and purge them
    out = StringIO()
    call_command("analytics_dead_letters", "purge", "--all", stdout=out)
    assert "Deleted 3" in out.getvalue()
    assert _analytics_health()["ok"] is True


def test_a_replayed_dead_letter_arrives_once(clickhouse):
    # given an event parked while ClickHouse refused it (say, for a schema not yet migrated)
    row = events.track_event_row(action="play", track_id=4, artist_id=4, user_id=4, event_id=str(uuid.uuid4()))
    redis = buffer.get_redis()
    letter_id = redis.xadd(buffer.DEAD, {"t": "track_analytics", "r": json.dumps(row), "error": "Code: 16. ...",
                                          "entry": "1-0", "failed_at": "2026-12-01T00:00:00Z"}).decode()

    # when staff replay it, twice
    out = StringIO()
    call_command("analytics_dead_letters", "replay", letter_id, stdout=out)
    call_command("analytics_dead_letters", "replay", letter_id, stdout=out)
    flush()

    # then it is in ClickHouse once, and no longer a dead letter
    assert "Replayed 1" in out.getvalue() and f"No such dead letter: {letter_id}" in out.getvalue()
    assert clickhouse.rows("SELECT toString(event_id) AS id FROM track_analytics WHERE track_id = 4") == [
        {"id": row["event_id"]}]
    assert dead_letters.dead_letter_count() == 0


def test_dead_letters_are_bounded_and_overflow_counts_as_dropped(clickhouse, analytics_owner):
    analytics_owner.stop()
    try:
        for _ in range(3):
            buffer.get_redis().xadd(buffer.STREAM, {"t": "track_analytics", "r": _poison(action="explode")})
    finally:
        analytics_owner.start(ANALYTICS_DEAD_LETTER_MAX_EVENTS="2")
    try:
        flush()
    finally:
        analytics_owner.stop()
        analytics_owner.start()
    assert dead_letters.dead_letter_count() == 2
    assert buffer.stats()["dropped"] == {"track_analytics": 1}
    assert buffer.stats()["backlog"] == 0


def test_entries_push_did_not_write_are_parked_and_one_in_another_field_order_is_delivered(clickhouse, analytics_owner):
    # given entries written by something else than push_many next to good events
    analytics_owner.stop()
    try:
        redis = buffer.get_redis()
        good = json.loads(_poison())
        good.update(artist_id=4, action="like")
        redis.xadd(buffer.STREAM, {"r": json.dumps(good), "t": "track_analytics"})  # its fields in another order
        redis.xadd(buffer.STREAM, {"t": "no_such_table", "r": _poison()})
        redis.xadd(buffer.STREAM, {"t": "track_analytics"})
        redis.xadd(buffer.STREAM, {"hello": "world"})
        events.record_event(action="like", track_id=4, artist_id=4, user_id=1)
    finally:
        analytics_owner.start()

    # when it is drained
    flush()

    # then both events arrived, and the three foreign entries wait in the dead letters as they were
    assert clickhouse.scalar("SELECT count() FROM track_analytics WHERE artist_id = 4") == 2
    assert buffer.stats()["backlog"] == 0
    letters = dead_letters.dead_letter_list()
    assert len(letters) == 3 and all("not an analytics event" in letter.error for letter in letters)
    assert {letter.table for letter in letters} == {"no_such_table", "track_analytics", ""}
    assert any("world" in letter.payload for letter in letters)
