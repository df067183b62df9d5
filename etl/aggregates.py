"""The `create_analytics_aggregates` step: ClickHouse → data_warehouse tables and tracks.popularity.

Idempotent: the daily tables are replaced for the whole window in one transaction, and
popularity is recomputed from scratch for the same instant, so a re-run changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from analytics.selectors.popularity import daily_artist_plays, daily_track_plays, track_popularity
from catalog.models import Artist, Track

from .models import DailyArtistPlays, DailyTrackPlays

WINDOW_DAYS = 30


@dataclass(frozen=True)
class AggregatesSummary:
    start: str
    end: str
    track_days: int
    artist_days: int
    tracks_scored: int
    tracks_reset: int


def analytics_aggregates_refresh(*, as_of: datetime | None = None, days: int = WINDOW_DAYS) -> AggregatesSummary:
    """Rebuild the last `days` days of daily plays and set each track's popularity (decayed plays).

    Popularity is Σ 2^(−age/7 days) over a track's plays of the last 30 days (see
    analytics.selectors.popularity); tracks without plays in that window fall to 0.
    Raises the analytics client's error when ClickHouse cannot answer: nothing is written.
    """
    as_of = as_of or timezone.now()
    end = as_of.date()
    start = end - timedelta(days=days - 1)
    # Read everything first: a ClickHouse failure leaves PostgreSQL untouched.
    track_rows = daily_track_plays(start=start, end=end)
    artist_rows = daily_artist_plays(start=start, end=end)
    scores = {row["track_id"]: row["score"] for row in track_popularity(as_of=as_of)}

    known_tracks = set(Track.objects.filter(pk__in={r["track_id"] for r in track_rows} | set(scores))
                       .values_list("pk", flat=True))
    known_artists = set(Artist.objects.filter(pk__in={r["artist_id"] for r in artist_rows}).values_list("pk", flat=True))
    with transaction.atomic():
        DailyTrackPlays.objects.filter(date__range=(start, end)).delete()
        DailyTrackPlays.objects.bulk_create(
            DailyTrackPlays(date=r["date"], track_id=r["track_id"], plays=r["plays"], unique_listeners=r["unique_listeners"],
                            completions=r["completions"], skips=r["skips"])
            for r in track_rows if r["track_id"] in known_tracks
        )
        DailyArtistPlays.objects.filter(date__range=(start, end)).delete()
        DailyArtistPlays.objects.bulk_create(
            DailyArtistPlays(date=r["date"], artist_id=r["artist_id"], plays=r["plays"], unique_listeners=r["unique_listeners"],
                             likes=r["likes"], playlist_adds=r["playlist_adds"])
            for r in artist_rows if r["artist_id"] in known_artists
        )
        scored = [Track(pk=pk, popularity=round(score, 4)) for pk, score in scores.items() if pk in known_tracks]
        Track.objects.bulk_update(scored, ["popularity"], batch_size=1000)
        reset = Track.objects.filter(popularity__gt=0).exclude(pk__in=[t.pk for t in scored]).update(popularity=0)
        transaction.on_commit(_invalidate_catalog_cache)
    return AggregatesSummary(start=start.isoformat(), end=end.isoformat(),
                             track_days=sum(1 for r in track_rows if r["track_id"] in known_tracks),
                             artist_days=sum(1 for r in artist_rows if r["artist_id"] in known_artists),
                             tracks_scored=len(scored), tracks_reset=reset)


def _invalidate_catalog_cache() -> None:
    from catalog.cache import catalog_cache_invalidate

    catalog_cache_invalidate()
