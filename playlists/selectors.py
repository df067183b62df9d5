"""Playlist and favourite reads; each list joins what it shows (fixed queries per page)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, QuerySet, Sum

from catalog.models import Track

from .models import Favorite, Playlist, PlaylistTrack, PlayQueue, PlayQueueEntry


def _with_totals(playlists: QuerySet[Playlist]) -> QuerySet[Playlist]:
    return playlists.select_related("owner").annotate(
        track_count=Count("entries"), duration_ms=Sum("entries__track__duration_ms"),
    )


def playlist_list_for_user(*, user, owner_id: int | None = None) -> QuerySet[Playlist]:
    """Playlists the user may see (public ones and their own), newest change first."""
    playlists = Playlist.objects.visible_to(user)
    if owner_id is not None:
        playlists = playlists.filter(owner_id=owner_id)
    return _with_totals(playlists).order_by("-updated_at", "-id")


def playlist_get(*, playlist_id: int, user) -> Playlist:
    """A playlist the user may see; Playlist.DoesNotExist for private playlists of others."""
    return _with_totals(Playlist.objects.visible_to(user)).get(pk=playlist_id)


def playlist_entries(*, playlist: Playlist, user) -> QuerySet[PlaylistTrack]:
    """The playlist's entries in order, without tracks the viewer may not see."""
    return (
        PlaylistTrack.objects.filter(playlist=playlist, track__in=Track.objects.visible_to(user).values("pk"))
        .select_related("track__artist", "track__album", "track__genre")
        .order_by("position")
    )


def favorite_list(*, user) -> QuerySet[Favorite]:
    return (
        Favorite.objects.filter(user=user, track__in=Track.objects.visible_to(user).values("pk"))
        .select_related("track__artist", "track__album", "track__genre")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class PlayQueueState:
    track_ids: list[int]
    current_index: int
    position_ms: int
    changed_at: datetime | None
    changed_by: str


def play_queue_get(*, user) -> PlayQueueState:
    """The user's queue as they may play it now: entries whose track is hidden or gone drop out."""
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return PlayQueueState(track_ids=[], current_index=0, position_ms=0, changed_at=None, changed_by="")
    rows = list(
        PlayQueueEntry.objects.filter(queue=queue, track__in=Track.objects.visible_to(user).values("pk"))
        .order_by("position").values_list("position", "track_id")
    )
    before = sum(1 for position, _ in rows if position < queue.current_position)
    current_kept = before < len(rows) and rows[before][0] == queue.current_position
    return PlayQueueState(
        track_ids=[track_id for _, track_id in rows],
        current_index=min(before, max(len(rows) - 1, 0)),
        position_ms=queue.position_ms if current_kept else 0,
        changed_at=queue.changed_at, changed_by=queue.changed_by,
    )


MAX_QUEUE_TRACKS_PER_READ = 500


def play_queue_tracks(*, user, track_ids: list[int]) -> list[dict]:
    """What a player shows for each of these tracks (the ones the user may play), in one query."""
    return list(
        Track.objects.visible_to(user).filter(pk__in=set(track_ids[:MAX_QUEUE_TRACKS_PER_READ]))
        .values("id", "title", "duration_ms", "artist_id", "album_id", artist_name=F("artist__name"),
                album_title=F("album__title"))
        .order_by("id")
    )
