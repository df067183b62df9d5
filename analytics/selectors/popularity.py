"""Reads for the ETL aggregates step: track popularity with decay and daily plays per track/artist.

The ETL issue writes these into data_warehouse tables and tracks.popularity; the functions
only read ClickHouse and return plain rows.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from ..clickhouse import get_client

DEFAULT_HALF_LIFE_DAYS = 7.0


def track_popularity(*, as_of: datetime | None = None, half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
                     since: datetime | None = None, decay_to: datetime | None = None) -> list[dict]:
    """Per track with plays in [since, as_of] (by default the 30 days before `as_of`): plays_7d,
    plays_30d (the plays in that window) and a decayed score.

    score = Σ over those plays of 2^(−age_days / half_life_days), the age counted back from
    `decay_to` (by default `as_of`): a play at `decay_to` counts 1, a play one half-life before
    it ½. Moving `decay_to` scales every score by the same factor, so the ranking does not
    depend on it. Plays after `as_of` are ignored, so a re-run for the same instant returns the
    same numbers.
    """
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    as_of = as_of or timezone.now()
    since = since or as_of - timedelta(days=30)
    decay_to = decay_to or as_of
    return [
        {"track_id": int(r["track_id"]), "artist_id": int(r["artist_id"]), "plays_7d": int(r["plays_7d"]),
         "plays_30d": int(r["plays_30d"]), "score": float(r["score"])}
        for r in get_client().rows(
            """
            SELECT track_id, any(artist_id) AS artist_id,
                   countIf(timestamp >= %(since_7)s) AS plays_7d,
                   count() AS plays_30d,
                   sum(exp2(-(dateDiff('millisecond', timestamp, toDateTime64(%(decay_to)s, 3, 'UTC')) / 86400000.0)
                            / %(half_life)s)) AS score
            FROM track_analytics
            WHERE action = 'play' AND timestamp >= %(since)s AND timestamp <= %(as_of)s
            GROUP BY track_id ORDER BY track_id
            """,
            {"as_of": as_of, "since_7": as_of - timedelta(days=7), "since": since, "decay_to": decay_to,
             "half_life": float(half_life_days)},
        )
    ]


def daily_track_plays(*, start: date, end: date) -> list[dict]:
    """Plays, unique listeners, completions and skips per (date, track) over [start, end] (inclusive)."""
    if start > end:
        raise ValueError("start must be on or before end")
    rows = get_client().rows(
        """
        SELECT toString(toDate(timestamp)) AS date, track_id, any(artist_id) AS artist_id,
               countIf(action = 'play') AS plays,
               uniqExactIf(user_id, action = 'play' AND user_id != 0) AS unique_listeners,
               countIf(action = 'complete') AS completions, countIf(action = 'skip') AS skips
        FROM track_analytics
        WHERE toDate(timestamp) BETWEEN %(start)s AND %(end)s AND action IN ('play', 'complete', 'skip')
        GROUP BY date, track_id ORDER BY date, track_id
        """,
        {"start": start, "end": end},
    )
    keys = ("track_id", "artist_id", "plays", "unique_listeners", "completions", "skips")
    return [{"date": r["date"], **{k: int(r[k]) for k in keys}} for r in rows]


def daily_artist_plays(*, start: date, end: date) -> list[dict]:
    """Per (date, artist): plays, unique listeners, likes, playlist adds — the artist_analytics view."""
    if start > end:
        raise ValueError("start must be on or before end")
    rows = get_client().rows(
        """
        SELECT toString(date) AS date, artist_id, plays, unique_listeners, likes, playlist_adds
        FROM artist_analytics WHERE date BETWEEN %(start)s AND %(end)s
        ORDER BY date, artist_id
        """,
        {"start": start, "end": end},
    )
    keys = ("artist_id", "plays", "unique_listeners", "likes", "playlist_adds")
    return [{"date": r["date"], **{k: int(r[k]) for k in keys}} for r in rows]
