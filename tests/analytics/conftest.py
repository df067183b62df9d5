"""Analytics fixtures: the shared owner process, emptied tables, and one small generated dataset."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from analytics import buffer, events
from analytics.clickhouse import get_client
from analytics.clickhouse.migrations import ALL_TABLES
from tests.factories import ArtistFactory, ArtistUserFactory, GenreFactory, TrackFactory, UserFactory

D0 = date(2026, 3, 2)  # a Monday; the dataset's week is D0..D0+6


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(D0.year, D0.month, D0.day, hour, minute, tzinfo=timezone.utc) + timedelta(days=day)


def flush() -> int:
    """Deliver everything buffered (the owner drains synchronously); return what this call inserted."""
    return buffer.request_drain(timeout_s=120)


@pytest.fixture
def clickhouse(analytics_owner):
    """A client on empty analytics tables (delivered, then truncated) with the owner running."""
    analytics_owner.ensure_running()
    buffer.reset_connection()
    flush()
    client = get_client()
    for table in ALL_TABLES:
        client.command(f"TRUNCATE TABLE IF EXISTS {table}")
    redis = buffer.get_redis()
    redis.delete(buffer.DROPPED, "analytics:dead")
    stale = list(redis.scan_iter("analytics:seen:*", count=10_000))
    for start in range(0, len(stale), 1000):
        redis.delete(*stale[start:start + 1000])
    yield client


@pytest.fixture
def dataset(db, clickhouse):
    """Two artists, three tracks, three listeners and a week of events with known totals."""
    rock, jazz = GenreFactory(name="Rock"), GenreFactory(name="Jazz")
    artist_user = ArtistUserFactory()
    artist_a = ArtistFactory(name="Alpha", user=artist_user)
    artist_b = ArtistFactory(name="Beta")
    t1 = TrackFactory(artist=artist_a, genre=rock, title="One")
    t2 = TrackFactory(artist=artist_a, genre=jazz, title="Two")
    t3 = TrackFactory(artist=artist_b, genre=rock, title="Three")
    u1, u2, u3 = UserFactory(), UserFactory(), UserFactory()
    type(u1).objects.filter(pk=u1.pk).update(created_at=at(0, 8))
    type(u2).objects.filter(pk=u2.pk).update(created_at=at(1, 8))

    def ev(action, track, user, when, ms=0, platform="web", device="desktop"):
        events.record_event(action=action, track_id=track.pk, artist_id=track.artist_id, user_id=user.pk if user else 0,
                            duration_played_ms=ms, platform=platform, device_type=device, timestamp=when)

    ev("play", t1, u1, at(0, 10), 180_000)
    ev("complete", t1, u1, at(0, 10), 180_000)
    ev("play", t1, u1, at(0, 10, 30), 60_000)
    ev("play", t2, u1, at(1, 22), 30_000)
    ev("play", t3, u1, at(2, 10, 15), 100_000)
    ev("play", t1, u2, at(0, 11), 200_000, "ios", "mobile")
    ev("complete", t1, u2, at(0, 11), 200_000, "ios", "mobile")
    ev("play", t3, u2, at(1, 9), 10_000, "ios", "mobile")
    ev("skip", t3, u2, at(1, 9), 10_000, "ios", "mobile")
    ev("play", t2, u3, at(9, 12), 50_000)  # outside the week
    ev("like", t1, u1, at(0, 12))
    ev("add_to_playlist", t2, u2, at(1, 12))

    events.record_search(query="beatles", results_count=5, user_id=u1.pk, timestamp=at(0, 9))
    events.record_search(query="zzzz", results_count=0, user_id=u1.pk, timestamp=at(0, 9, 5))
    events.record_search(query="ZZZZ ", results_count=0, user_id=u2.pk, timestamp=at(1, 9))
    events.record_search(query="qqq", results_count=0, user_id=None, timestamp=at(2, 9))
    events.record_search_click(query="beatles", clicked_result_id=7, user_id=u1.pk, timestamp=at(0, 9, 1))

    for latency, status in ((10, 200), (20, 200), (30, 500), (40, 404)):
        buffer.push("api_requests_log", events.request_row(
            request_id="r", user_id=u3.pk, method="GET", endpoint="/api/v1/things/<pk>", status_code=status,
            response_time_ms=latency, user_agent="pytest", ip="127.0.0.1", timestamp=at(3, 12)))
    buffer.push("api_requests_log", events.request_row(
        request_id="r", user_id=None, method="POST", endpoint="/api/v1/other", status_code=201,
        response_time_ms=5, user_agent="pytest", ip="127.0.0.1", timestamp=at(3, 13)))
    flush()
    client = get_client()
    counts = {t: client.scalar(f"SELECT count() FROM {t}") for t in ("track_analytics", "search_analytics", "api_requests_log")}
    assert counts == {"track_analytics": 12, "search_analytics": 5, "api_requests_log": 5}
    return {"t1": t1, "t2": t2, "t3": t3, "u1": u1, "u2": u2, "u3": u3, "artist_a": artist_a, "artist_b": artist_b,
            "artist_user": artist_user, "rock": rock, "jazz": jazz}
