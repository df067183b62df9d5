"""The reads the ETL aggregates step uses: decayed popularity and daily plays per track and artist."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from analytics import events, selectors

from .conftest import flush

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)


def _play(track_id, artist_id, user_id, when, action="play"):
    events.record_event(action=action, track_id=track_id, artist_id=artist_id, user_id=user_id, timestamp=when)


def test_track_popularity_counts_7_and_30_days_with_half_life_decay(clickhouse):
    _play(1, 10, 100, AS_OF - timedelta(days=1))
    _play(1, 10, 101, AS_OF - timedelta(days=8))
    _play(1, 10, 102, AS_OF - timedelta(days=31))  # older than 30 days
    _play(1, 10, 100, AS_OF - timedelta(days=1), action="like")  # not a play
    _play(2, 20, 100, AS_OF)
    _play(2, 20, 100, AS_OF + timedelta(hours=1))  # after as_of: ignored
    flush()

    rows = selectors.track_popularity(as_of=AS_OF, half_life_days=7)

    assert [(r["track_id"], r["artist_id"], r["plays_7d"], r["plays_30d"]) for r in rows] == [(1, 10, 1, 2), (2, 20, 1, 1)]
    assert rows[0]["score"] == pytest.approx(2 ** (-1 / 7) + 2 ** (-8 / 7), rel=1e-9)
    assert rows[1]["score"] == pytest.approx(1.0, rel=1e-9)


def test_track_popularity_with_a_window_start_and_a_later_decay_reference(clickhouse):
    _play(1, 10, 100, AS_OF - timedelta(days=1))
    _play(1, 10, 101, AS_OF - timedelta(days=3))  # before `since`: outside the window
    _play(2, 20, 100, AS_OF)
    flush()
    since, decay_to = AS_OF - timedelta(days=2), AS_OF + timedelta(hours=12)

    rows = selectors.track_popularity(as_of=AS_OF, since=since, decay_to=decay_to)

    assert [(r["track_id"], r["plays_30d"]) for r in rows] == [(1, 1), (2, 1)]
    half_day = 2 ** (-0.5 / 7)  # every score scaled by the same factor: the ranking is the default one's
    assert rows[0]["score"] == pytest.approx(2 ** (-1 / 7) * half_day, rel=1e-9)
    assert rows[1]["score"] == pytest.approx(half_day, rel=1e-9)


def test_track_popularity_rejects_a_non_positive_half_life(clickhouse):
    with pytest.raises(ValueError, match="half_life_days"):
        selectors.track_popularity(as_of=AS_OF, half_life_days=0)


def test_daily_plays_per_track_and_per_artist(clickhouse):
    day = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
    _play(1, 10, 100, day)
    _play(1, 10, 100, day, action="complete")
    _play(1, 10, 101, day + timedelta(hours=2))
    _play(2, 10, 101, day + timedelta(days=1))
    _play(2, 10, 101, day + timedelta(days=1), action="skip")
    _play(2, 10, 102, day + timedelta(days=1), action="like")
    _play(3, 30, 100, day + timedelta(days=5))  # outside the range below
    flush()

    tracks = selectors.daily_track_plays(start=date(2026, 6, 1), end=date(2026, 6, 2))
    artists = selectors.daily_artist_plays(start=date(2026, 6, 1), end=date(2026, 6, 2))

    assert tracks == [
        {"date": "2026-06-01", "track_id": 1, "artist_id": 10, "plays": 2, "unique_listeners": 2, "completions": 1, "skips": 0},
        {"date": "2026-06-02", "track_id": 2, "artist_id": 10, "plays": 1, "unique_listeners": 1, "completions": 0, "skips": 1},
    ]
    assert artists == [
        {"date": "2026-06-01", "artist_id": 10, "plays": 2, "unique_listeners": 2, "likes": 0, "playlist_adds": 0},
        {"date": "2026-06-02", "artist_id": 10, "plays": 1, "unique_listeners": 1, "likes": 1, "playlist_adds": 0},
    ]


def test_daily_plays_reject_an_inverted_range(clickhouse):
    with pytest.raises(ValueError, match="start"):
        selectors.daily_track_plays(start=date(2026, 6, 2), end=date(2026, 6, 1))
