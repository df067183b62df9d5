"""Every dashboard query against ClickHouse (chDB, or the server of CLICKHOUSE_URL) with exact numbers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from analytics import selectors
from analytics.periods import Period

from .conftest import D0

WEEK = Period(start=D0, end=D0 + timedelta(days=6))

pytestmark = pytest.mark.django_db


def _days(*points):
    """One series point a day from D0: (plays, unique listeners, listening time in ms), or 0 for none."""
    return [{"date": (D0 + timedelta(days=i)).isoformat(), **_point(*(p if p else (0, 0, 0)))} for i, p in enumerate(points)]


def _point(plays, listeners, ms):
    return {"plays": plays, "unique_listeners": listeners, "listening_time_ms": ms}


def test_user_report_counts_plays_time_tops_and_rhythm(dataset):
    u1, t1, t2, t3 = dataset["u1"], dataset["t1"], dataset["t2"], dataset["t3"]

    report = selectors.user_listening_report(user_id=u1.pk, period=WEEK)

    assert report["plays"] == 4
    assert report["listening_time_ms"] == 180_000 + 60_000 + 30_000 + 100_000
    assert report["distinct_tracks"] == 3
    assert report["top_tracks"] == [
        {"track_id": t1.pk, "title": "One", "plays": 2},
        {"track_id": t2.pk, "title": "Two", "plays": 1},
        {"track_id": t3.pk, "title": "Three", "plays": 1},
    ]
    assert report["top_artists"] == [
        {"artist_id": dataset["artist_a"].pk, "name": "Alpha", "plays": 3},
        {"artist_id": dataset["artist_b"].pk, "name": "Beta", "plays": 1},
    ]
    assert report["top_genres"] == [
        {"genre_id": dataset["rock"].pk, "name": "Rock", "plays": 3},
        {"genre_id": dataset["jazz"].pk, "name": "Jazz", "plays": 1},
    ]
    expected_hours = [0] * 24
    expected_hours[10], expected_hours[22] = 3, 1
    assert report["plays_by_hour"] == expected_hours
    assert report["plays_by_weekday"] == [2, 1, 1, 0, 0, 0, 0]
    assert report["plays_over_time"] == _days((2, 1, 240_000), (1, 1, 30_000), (1, 1, 100_000), 0, 0, 0, 0)


def test_user_report_is_limited_to_the_period(dataset):
    u3 = dataset["u3"]
    assert selectors.user_listening_report(user_id=u3.pk, period=WEEK)["plays"] == 0
    later = Period(start=D0 + timedelta(days=7), end=D0 + timedelta(days=13))
    assert selectors.user_listening_report(user_id=u3.pk, period=later)["plays"] == 1


def test_track_report_rates_series_and_splits(dataset):
    report = selectors.track_report(track=dataset["t1"], period=WEEK)

    assert (report["plays"], report["unique_listeners"], report["completions"], report["skips"]) == (3, 2, 2, 0)
    assert report["completion_rate"] == 0.6667
    assert report["skip_rate"] == 0.0
    assert report["likes"] == 1
    assert report["plays_per_day"] == _days((3, 2, 440_000), 0, 0, 0, 0, 0, 0)
    assert report["platforms"] == {"web": 2, "ios": 1}
    assert report["devices"] == {"desktop": 2, "mobile": 1}

    skipped = selectors.track_report(track=dataset["t3"], period=WEEK)
    assert (skipped["plays"], skipped["unique_listeners"], skipped["skip_rate"]) == (2, 2, 0.5)


def test_track_report_by_week_and_month_buckets(dataset):
    by_week = selectors.track_report(track=dataset["t1"], period=Period(start=D0, end=D0 + timedelta(days=13),
                                                                         granularity="week"))
    assert by_week["plays_per_day"] == [{"date": D0.isoformat(), **_point(3, 2, 440_000)},
                                        {"date": (D0 + timedelta(days=7)).isoformat(), **_point(0, 0, 0)}]
    by_month = selectors.track_report(track=dataset["t2"], period=Period(start=D0.replace(day=1), end=D0 + timedelta(days=40),
                                                                         granularity="month"))
    # two listeners over the month: unique listeners of a bucket are counted in it, not summed from days
    assert by_month["plays_per_day"] == [{"date": "2026-03-01", **_point(2, 2, 80_000)},
                                         {"date": "2026-04-01", **_point(0, 0, 0)}]


def test_artist_report_whole_catalog_top_tracks_rollup_and_countries(dataset):
    t1, t2 = dataset["t1"], dataset["t2"]

    report = selectors.artist_report(artist=dataset["artist_a"], period=WEEK)

    assert (report["plays"], report["unique_listeners"], report["completions"]) == (4, 2, 2)
    assert report["completion_rate"] == 0.5
    assert (report["likes"], report["playlist_adds"]) == (1, 1)
    assert report["top_tracks"] == [{"track_id": t1.pk, "title": "One", "plays": 3},
                                    {"track_id": t2.pk, "title": "Two", "plays": 1}]
    day = lambda i, p, u, l, a: {"date": (D0 + timedelta(days=i)).isoformat(), "plays": p,  # noqa: E731
                                 "unique_listeners": u, "likes": l, "playlist_adds": a}
    assert report["plays_per_day"] == [day(0, 3, 2, 1, 0), day(1, 1, 1, 0, 1)] + [day(i, 0, 0, 0, 0) for i in range(2, 7)]
    assert report["platforms"] == {"web": 3, "ios": 1}
    assert report["listener_countries"] == []
    assert report["listeners_with_unknown_country"] == 2


def test_platform_report(dataset):
    u_pk = dataset["u3"].pk  # noqa: F841 - the API caller of the request log rows

    report = selectors.platform_report(period=WEEK)

    assert report["plays"] == 6
    assert [d["plays"] for d in report["plays_over_time"]] == [3, 2, 1, 0, 0, 0, 0]
    assert report["searches"] == 4  # the click is not a search
    assert [d["searches"] for d in report["searches_over_time"]] == [2, 1, 1, 0, 0, 0, 0]
    assert report["top_zero_result_queries"] == [{"query": "zzzz", "searches": 2}, {"query": "qqq", "searches": 1}]
    assert [d["active_users"] for d in report["active_users_over_time"]] == [2, 2, 1, 1, 0, 0, 0]
    assert report["active_users"] == 3
    assert [d["registrations"] for d in report["new_registrations"]] == [1, 1, 0, 0, 0, 0, 0]
    api = report["api"]
    assert (api["requests"], api["server_errors"], api["error_rate"]) == (5, 1, 0.2)
    things, other = api["endpoints"]
    assert things == {"endpoint": "/api/v1/things/<pk>", "requests": 4, "server_errors": 1, "client_errors": 1,
                      "error_rate": 0.25, "p50_ms": 30.0, "p95_ms": 40.0, "p99_ms": 40.0}
    assert (other["endpoint"], other["requests"], other["p99_ms"]) == ("/api/v1/other", 1, 5.0)


def test_platform_report_by_month(dataset):
    report = selectors.platform_report(period=Period(start=D0, end=D0 + timedelta(days=13), granularity="month"))
    assert report["plays_over_time"] == [{"date": "2026-03-01", "plays": 7}]
    assert report["active_users_over_time"] == [{"date": "2026-03-01", "active_users": 3}]
