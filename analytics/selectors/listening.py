"""Listening reports for one user, one track and one artist's catalog (ClickHouse + names from PostgreSQL)."""
from __future__ import annotations

from collections import Counter

from catalog.models import Artist, Track
from catalog.selectors import track_artists, with_credits

from ..clickhouse import get_client
from ..clickhouse.migrations import CREDITED_ARTISTS
from ..periods import Period
from ._series import fill_series, rate

_IN_PERIOD = "timestamp >= %(start)s AND timestamp < %(end)s"
SERIES_FIELDS = ("plays", "unique_listeners", "listening_time_ms")

_PLAY_STATS = f"""
SELECT countIf(action = 'play') AS plays,
       uniqExactIf(user_id, action = 'play' AND user_id != 0) AS unique_listeners,
       countIf(action = 'complete') AS completions,
       countIf(action = 'skip') AS skips,
       sumIf(duration_played_ms, action = 'play') AS listening_time_ms,
       countIf(action = 'like') AS likes,
       countIf(action = 'add_to_playlist') AS playlist_adds
FROM track_analytics WHERE {{where}} AND {_IN_PERIOD}
"""


def _stats(client, where: str, params: dict) -> dict:
    row = client.rows(_PLAY_STATS.format(where=where), params)[0]
    plays = int(row["plays"])
    return {
        "plays": plays,
        "unique_listeners": int(row["unique_listeners"]),
        "listening_time_ms": int(row["listening_time_ms"]),
        "completions": int(row["completions"]),
        "skips": int(row["skips"]),
        "completion_rate": rate(int(row["completions"]), plays),
        "skip_rate": rate(int(row["skips"]), plays),
        "likes": int(row["likes"]),
        "playlist_adds": int(row["playlist_adds"]),
    }


def _plays_series(client, period: Period, where: str, params: dict) -> list[dict]:
    """Per bucket: plays, unique (signed-in) listeners and listening time, zero-filled."""
    rows = client.rows(
        f"SELECT toString({period.bucket('timestamp')}) AS bucket, count() AS plays, "
        "uniqExactIf(user_id, user_id != 0) AS unique_listeners, sum(duration_played_ms) AS listening_time_ms "
        f"FROM track_analytics WHERE {where} AND action = 'play' AND {_IN_PERIOD} GROUP BY bucket ORDER BY bucket",
        params)
    rows = [{**row, **{k: int(row[k]) for k in SERIES_FIELDS}} for row in rows]
    return fill_series(period, rows, fields=SERIES_FIELDS)


def _split(client, column: str, where: str, params: dict) -> dict[str, int]:
    rows = client.rows(
        f"SELECT {column} AS k, count() AS plays FROM track_analytics WHERE {where} AND action = 'play' "
        f"AND {_IN_PERIOD} GROUP BY k ORDER BY plays DESC, k", params)
    return {(row["k"] or "unknown"): int(row["plays"]) for row in rows}


def _top(client, column: str, where: str, params: dict, limit: int) -> list[tuple[int, int]]:
    rows = client.query(
        f"SELECT {column}, count() AS plays FROM track_analytics WHERE {where} AND action = 'play' AND {_IN_PERIOD} "
        f"GROUP BY {column} ORDER BY plays DESC, {column} LIMIT %(limit)s", {**params, "limit": limit})[1]
    return [(int(k), int(n)) for k, n in rows]


def _tracks_by_id(ids) -> dict[int, Track]:
    return with_credits(Track.objects.select_related("artist", "genre")).in_bulk(list(ids))


def user_listening_report(*, user_id: int, period: Period, top: int = 10) -> dict:
    """Listening time, plays, top tracks/artists/genres, plays by hour and weekday, platform/device split of one user."""
    client = get_client()
    where, params = "user_id = %(user_id)s", {"user_id": user_id, **period.params()}
    stats = _stats(client, where, params)
    per_track = _top(client, "track_id", where, params, limit=100_000)
    tracks = _tracks_by_id(t for t, _ in per_track)
    artist_plays: Counter = Counter()
    genre_plays: Counter = Counter()
    for track_id, plays in per_track:
        track = tracks.get(track_id)
        if track is not None:
            for artist in track_artists(track):  # "A feat. B" is a play of A's and of B's
                artist_plays[(artist.pk, artist.name)] += plays
            if track.genre_id:
                genre_plays[(track.genre_id, track.genre.name)] += plays
    by_hour = dict(client.query(
        f"SELECT toHour(timestamp) AS h, count() FROM track_analytics WHERE {where} AND action = 'play' "
        f"AND {_IN_PERIOD} GROUP BY h", params)[1])
    by_weekday = dict(client.query(
        f"SELECT toDayOfWeek(timestamp) AS d, count() FROM track_analytics WHERE {where} AND action = 'play' "
        f"AND {_IN_PERIOD} GROUP BY d", params)[1])
    sort = lambda counter: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0][0]))[:top]  # noqa: E731
    return {
        "user_id": user_id,
        "period": period.as_dict(),
        "plays": stats["plays"],
        "listening_time_ms": stats["listening_time_ms"],
        "distinct_tracks": len(per_track),
        "top_tracks": [
            {"track_id": t, "title": tracks[t].title if t in tracks else None, "plays": n} for t, n in per_track[:top]
        ],
        "top_artists": [{"artist_id": a, "name": name, "plays": n} for (a, name), n in sort(artist_plays)],
        "top_genres": [{"genre_id": g, "name": name, "plays": n} for (g, name), n in sort(genre_plays)],
        "plays_by_hour": [int(by_hour.get(h, 0)) for h in range(24)],
        "plays_by_weekday": [int(by_weekday.get(d, 0)) for d in range(1, 8)],  # Monday first
        "plays_over_time": _plays_series(client, period, where, params),
        "platforms": _split(client, "platform", where, params),
        "devices": _split(client, "device_type", where, params),
    }


def track_report(*, track: Track, period: Period) -> dict:
    """Plays, listeners, completion/skip rates, plays per bucket and the platform/device split of a track."""
    client = get_client()
    # artist_id first: the table is ordered by (artist_id, track_id, timestamp).
    where = "artist_id = %(artist_id)s AND track_id = %(track_id)s"
    params = {"artist_id": track.artist_id, "track_id": track.pk, **period.params()}
    return {
        "track_id": track.pk,
        "title": track.title,
        "period": period.as_dict(),
        **_stats(client, where, params),
        "plays_per_day": _plays_series(client, period, where, params),
        "platforms": _split(client, "platform", where, params),
        "devices": _split(client, "device_type", where, params),
    }


def artist_report(*, artist: Artist, period: Period, top: int = 10) -> dict:
    """The track report summed over the artist's catalog, plus top tracks and listeners' countries."""
    client = get_client()
    # Every event crediting the artist (main or featured): a play of "A feat. B" is A's and B's.
    where = f"has({CREDITED_ARTISTS}, toUInt64(%(artist_id)s))"
    params = {"artist_id": artist.pk, **period.params()}
    stats = _stats(client, where, params)
    top_tracks = _top(client, "track_id", where, params, limit=top)
    tracks = _tracks_by_id(t for t, _ in top_tracks)
    countries = client.query(
        f"SELECT country, uniqExact(user_id) AS listeners FROM track_analytics WHERE {where} AND action = 'play' "
        f"AND user_id != 0 AND {_IN_PERIOD} GROUP BY country ORDER BY listeners DESC, country", params)[1]
    known = [{"country": c, "listeners": int(n)} for c, n in countries if c]
    # The artist_analytics view: one row per artist and day, summed per bucket here; unique listeners
    # per bucket cannot be summed from days, so they come from the events themselves.
    daily = client.rows(
        f"SELECT toString({period.bucket('date')}) AS bucket, sum(plays) AS plays, sum(likes) AS likes, "
        "sum(playlist_adds) AS playlist_adds FROM artist_analytics WHERE artist_id = %(artist_id)s "
        "AND date BETWEEN %(start_date)s AND %(end_date)s GROUP BY bucket ORDER BY bucket", params)
    listeners = {point["date"]: point["unique_listeners"] for point in _plays_series(client, period, where, params)}
    per_day = [{**point, "unique_listeners": listeners.get(point["date"], 0)}
               for point in fill_series(period, daily, fields=("plays", "likes", "playlist_adds"))]
    return {
        "artist_id": artist.pk,
        "name": artist.name,
        "period": period.as_dict(),
        **stats,
        "plays_per_day": per_day,
        "top_tracks": [{"track_id": t, "title": tracks[t].title if t in tracks else None, "plays": n} for t, n in top_tracks],
        "platforms": _split(client, "platform", where, params),
        "devices": _split(client, "device_type", where, params),
        # "If known": a listener's country is known only when their account carries an ISO code
        # (events.listen_events reads user.country); IPs are not geolocated (no GeoIP database).
        "listener_countries": known,
        "listeners_with_unknown_country": sum(int(n) for c, n in countries if not c),
    }
