"""The `create_analytics_aggregates` step: ClickHouse → data_warehouse tables and tracks.popularity.

Idempotent: the daily tables are brought to what ClickHouse says for the whole window, and
popularity is recomputed from scratch for the same instant, so a re-run changes nothing.

The step reads everything, then writes only the difference. An hourly run at a million tracks
and ten million listens reads ~800k daily rows, but only today's few thousand have changed. It
used to delete and re-insert all of them and rewrite every scored track's popularity in
thousand-row CASE statements: 118 s a run, which held a Celery child and a core away from
uploads. Now it is one comparison in memory, an upsert of the changed rows and one UPDATE from
arrays of the tracks whose score moved; the score's window and decay are fixed for a calendar
day, so within a day only tracks with new plays move. The figures are in bench/NOTES.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from analytics.selectors.popularity import daily_artist_plays, daily_track_plays, track_popularity
from catalog.models import Artist, Track

from .models import DailyArtistPlays, DailyTrackPlays

WINDOW_DAYS = 30
TRACK_FIELDS = ("plays", "unique_listeners", "completions", "skips")
ARTIST_FIELDS = ("plays", "unique_listeners", "likes", "playlist_adds")
UPSERT_BATCH = 5_000


@dataclass(frozen=True)
class AggregatesSummary:
    start: str
    end: str
    track_days: int
    artist_days: int
    tracks_scored: int
    tracks_reset: int
    daily_rows_written: int = 0
    daily_rows_removed: int = 0
    popularity_changed: int = 0


def analytics_aggregates_refresh(*, as_of: datetime | None = None, days: int = WINDOW_DAYS) -> AggregatesSummary:
    """Bring the last `days` days of daily plays up to date and set each track's popularity (decayed plays).

    Popularity is Σ 2^(−age/7 days) over a track's plays in the window's 30 calendar days, the age
    counted from the end of `as_of`'s day (see analytics.selectors.popularity): a play today counts
    between 0.91 (2^(−1/7)) and 1. Tracks without plays in the window fall to 0.
    Raises the analytics client's error when ClickHouse cannot answer: nothing is written.
    """
    as_of = (as_of or timezone.now()).astimezone(UTC)
    end = as_of.date()
    start = end - timedelta(days=days - 1)
    # Read everything first: a ClickHouse failure leaves PostgreSQL untouched.
    track_rows = daily_track_plays(start=start, end=end)
    artist_rows = daily_artist_plays(start=start, end=end)
    # Popularity counts the same calendar days as the daily tables, decayed to the end of today:
    # during a day only the tracks with new plays change, so an hourly run rewrites those rows
    # and not every scored track (each rewritten track row re-enters all 19 of its indexes).
    window_start = datetime.combine(start, time.min, tzinfo=UTC)
    end_of_today = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    scores = {row["track_id"]: row["score"]
              for row in track_popularity(as_of=as_of, since=window_start, decay_to=end_of_today)}

    known_tracks = _existing_ids(Track, {r["track_id"] for r in track_rows} | set(scores))
    known_artists = _existing_ids(Artist, {r["artist_id"] for r in artist_rows})
    track_days = {(date.fromisoformat(r["date"]), r["track_id"]): tuple(r[f] for f in TRACK_FIELDS)
                  for r in track_rows if r["track_id"] in known_tracks}
    artist_days = {(date.fromisoformat(r["date"]), r["artist_id"]): tuple(r[f] for f in ARTIST_FIELDS)
                   for r in artist_rows if r["artist_id"] in known_artists}
    scored = {pk: round(score, 4) for pk, score in scores.items() if pk in known_tracks}
    with transaction.atomic():
        track_written, track_removed = _sync_window(DailyTrackPlays, "track_id", TRACK_FIELDS, track_days, start, end)
        artist_written, artist_removed = _sync_window(DailyArtistPlays, "artist_id", ARTIST_FIELDS, artist_days, start, end)
        changed, reset = _write_popularity(scored)
        if track_written or track_removed or artist_written or artist_removed or changed or reset:
            transaction.on_commit(_invalidate_catalog_cache)
    return AggregatesSummary(start=start.isoformat(), end=end.isoformat(),
                             track_days=len(track_days), artist_days=len(artist_days),
                             tracks_scored=len(scored), tracks_reset=reset,
                             daily_rows_written=track_written + artist_written,
                             daily_rows_removed=track_removed + artist_removed,
                             popularity_changed=changed)


def _existing_ids(model: type[models.Model], ids: set[int]) -> set[int]:
    """The ids among `ids` that still have a row (events of a deleted track or artist stay in ClickHouse)."""
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {_table(model)} WHERE id = ANY(%s::bigint[])", [list(ids)])
        return {row[0] for row in cursor.fetchall()}


def _sync_window(model: type[models.Model], key: str, fields: tuple[str, ...], wanted: dict, start: date,
                 end: date) -> tuple[int, int]:
    """Make `model`'s rows in [start, end] equal `wanted` ({(date, id): values}); return (written, removed).

    Rows that already hold the wanted values are not touched; rows outside the window are kept.
    """
    stored = {(row[1], row[2]): (row[0], tuple(row[3:]))
              for row in model.objects.filter(date__range=(start, end)).order_by().values_list("pk", "date", key, *fields)}
    stale = [pk for day_key, (pk, _values) in stored.items() if day_key not in wanted]
    changed = [(day_key, values) for day_key, values in wanted.items()
               if day_key not in stored or stored[day_key][1] != values]
    for offset in range(0, len(stale), UPSERT_BATCH):
        model.objects.filter(pk__in=stale[offset:offset + UPSERT_BATCH]).delete()
    model.objects.bulk_create(
        (model(date=day, **{key: object_id}, **dict(zip(fields, values))) for (day, object_id), values in changed),
        batch_size=UPSERT_BATCH, update_conflicts=True, unique_fields=["date", key.removesuffix("_id")],
        update_fields=list(fields),
    )
    return len(changed), len(stale)


def _write_popularity(scored: dict[int, float]) -> tuple[int, int]:
    """Set each scored track's popularity and reset every other one to 0; return (changed, reset)."""
    table = _table(Track)
    ids, values = list(scored), list(scored.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET popularity = s.score"
            " FROM unnest(%s::bigint[], %s::double precision[]) AS s(id, score)"
            " WHERE t.id = s.id AND t.popularity IS DISTINCT FROM s.score",
            [ids, values],
        )
        changed = cursor.rowcount
        cursor.execute(f"UPDATE {table} SET popularity = 0 WHERE popularity > 0 AND NOT (id = ANY(%s::bigint[]))", [ids])
        return changed, cursor.rowcount


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _invalidate_catalog_cache() -> None:
    from catalog.cache import catalog_cache_invalidate

    catalog_cache_invalidate()
