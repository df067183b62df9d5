"""Playlist and favourite reads; each list joins what it shows (fixed queries per page)."""
from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from catalog.models import Track

from .models import Favorite, Playlist, PlaylistTrack


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
