"""Reads that shape catalog rows for Subsonic: every list a fixed number of queries, every row through visible_to."""
from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import Album, Artist, Track
from catalog.selectors import ALBUM_TRACK_ORDER, album_credits_prefetch, albums_with_credits, with_credits


def tracks_for(user) -> QuerySet[Track]:
    """Tracks the user may see, with what a Child shows joined and every credited artist prefetched."""
    tracks = Track.objects.visible_to(user).select_related("artist", "album__artist", "genre")
    return with_credits(tracks).prefetch_related(album_credits_prefetch("album__"))


def _per_album(user, aggregate, name: str):
    rows = (Track.objects.visible_to(user).filter(album_id=OuterRef("pk")).order_by()
            .values("album_id").annotate(**{name: aggregate}).values(name)[:1])
    return Subquery(rows)


def albums_for(user) -> QuerySet[Album]:
    """Albums the user may see with song_count, duration_ms, genre_name and is_compilation of their visible tracks."""
    visible = Track.objects.visible_to(user).filter(album_id=OuterRef("pk"))
    first_genre = visible.filter(genre__isnull=False).order_by(*ALBUM_TRACK_ORDER).values("genre__name")[:1]
    compilation = visible.filter(is_compilation=True).values("pk")[:1]
    return (albums_with_credits(Album.objects.visible_to(user).select_related("artist")).annotate(
        song_count=Coalesce(_per_album(user, Count("pk"), "n"), 0),
        duration_ms=Coalesce(_per_album(user, Sum("duration_ms"), "d"), 0, output_field=IntegerField()),
        genre_name=Subquery(first_genre),
        is_compilation=Coalesce(Subquery(compilation), Value(None), output_field=IntegerField()),
    ))


def artists_for(user) -> QuerySet[Artist]:
    """Artists the user may see with album_count (their albums the user may see)."""
    counted = (Album.objects.visible_to(user).filter(artist_id=OuterRef("pk")).order_by()
               .values("artist_id").annotate(n=Count("pk")).values("n")[:1])
    return Artist.objects.visible_to(user).annotate(album_count=Coalesce(Subquery(counted), 0))


def album_tracks(user, album_pk: int) -> list[Track]:
    return list(tracks_for(user).filter(album_id=album_pk).order_by(*ALBUM_TRACK_ORDER))


def playlists_with_visible_totals(playlists, user):
    """Replace track_count / duration_ms with those of the entries the user may play (what getPlaylist lists)."""
    from playlists.models import PlaylistTrack

    playable = Track.objects.visible_condition(user, through="track__")
    entries = (PlaylistTrack.objects.filter(playable, playlist_id=OuterRef("pk"))
               .order_by().values("playlist_id"))
    return playlists.annotate(
        track_count=Coalesce(Subquery(entries.annotate(n=Count("pk")).values("n")[:1]), 0),
        duration_ms=Coalesce(Subquery(entries.annotate(d=Sum("track__duration_ms")).values("d")[:1]), 0,
                             output_field=IntegerField()))
