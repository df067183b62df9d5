"""What the catalog's listener pages show: the catalog part cached per catalog version, the listener's likes laid over.

A page's catalog part (an artist with their counts, top tracks and albums; an album and its
tracks; a track and more by its artist; home's new releases, popular tracks and genres) is
the same for every viewer who sees the public catalog, and building it was half of what a
page cost at 1M tracks: compiling and running its five to nine queries. It is built once
per catalog version through `catalog.cache.cached_for_viewer` (so a committed edit of any
track, album or artist makes the old parts unreachable, and admins and artists, who may see
more, get theirs built fresh). What is the listener's own, which of the tracks they like,
is one query per page (`playlists.selectors.flag_favorites`), never cached.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch

from playlists.selectors import flag_favorites

from . import selectors
from .cache import cached, cached_for_viewer
from .models import Album, Artist, Genre, Track

HOME_NEW_RELEASES = 12
HOME_GENRES = 18
ARTIST_TOP_TRACKS = 10
ARTIST_PLAY_ALL = 200
TRACK_MORE_BY_ARTIST = 8
GENRE_TOP_TRACKS = 20
POPULAR_WEEK_SECONDS = 60  # the week's chart moves with every listen, not with catalog edits


def _catalog_part(user, name: str, params: dict[str, Any], build: Callable[[], dict]) -> dict:
    """The page's catalog part from the cache (built once per catalog version), or its DoesNotExist."""
    return cached_for_viewer(user, f"page-{name}", params, build)


def _popular_week_ids() -> list[int]:
    return cached("page-popular-week", {}, lambda: selectors.track_popular_ids(period="week", limit=10),
                  timeout=POPULAR_WEEK_SECONDS)


def home(*, user) -> dict:
    """New releases, the week's most played tracks and genres (catalog), the listener's recent plays."""
    from analytics.selectors.history import recently_played_tracks

    ids = _popular_week_ids()

    def build() -> dict:
        order = {pk: index for index, pk in enumerate(ids)}
        popular = sorted(selectors.track_list(user=user).filter(pk__in=ids), key=lambda track: order[track.pk])
        return {"new_releases": selectors.album_newest(limit=HOME_NEW_RELEASES, user=user), "popular": popular,
                "genres": list(selectors.genre_list()[:HOME_GENRES])}

    context = _catalog_part(user, "home", {"popular": ",".join(map(str, ids))}, build)
    flag_favorites(user, context["popular"])
    context["recent"] = recently_played_tracks(user=user) if user.is_authenticated else []
    return context


def artist(*, artist_id: int, user) -> dict:
    """An artist with their counts, most popular tracks and albums (Artist.DoesNotExist when unknown)."""
    def build() -> dict:
        found = selectors.artist_detail(artist_id=artist_id, user=user)
        ranked = selectors.artist_tracks(artist=found, user=user)
        play_all = list(ranked.prefetch_related(None).values_list("pk", flat=True)[:ARTIST_PLAY_ALL])
        return {"artist": found, "top_tracks": list(ranked[:ARTIST_TOP_TRACKS]),
                "albums": list(selectors.albums_with_cover(selectors.artist_albums(artist=found, user=user))),
                "play_all_ids": ",".join(map(str, play_all))}

    context = _catalog_part(user, "artist", {"id": artist_id}, build)
    flag_favorites(user, context["top_tracks"])
    return context


def album(*, album_id: int, user) -> dict:
    """An album with its tracks in disc/track order and their total duration (Album.DoesNotExist)."""
    def build() -> dict:
        tracks = selectors.with_credits(Track.objects.visible_to(user).select_related("artist", "album", "genre")
                                        .order_by(*selectors.ALBUM_TRACK_ORDER))
        found = (selectors.albums_with_credits(Album.objects.visible_to(user).select_related("artist"))
                 .prefetch_related(Prefetch("tracks", queryset=tracks, to_attr="ordered_tracks"))
                 .get(pk=album_id))
        discs = {track.disc_number or 1 for track in found.ordered_tracks}
        return {"album": found, "multi_disc": len(discs) > 1,
                "total_ms": sum(track.duration_ms or 0 for track in found.ordered_tracks)}

    context = _catalog_part(user, "album", {"id": album_id}, build)
    context["tracks"] = context["album"].ordered_tracks
    flag_favorites(user, context["tracks"])
    return context


def genre(*, genre_id: int, user) -> dict:
    """A genre's most popular tracks and the artists behind its 200 most popular ones (Genre.DoesNotExist)."""
    def build() -> dict:
        found = Genre.objects.get(pk=genre_id)
        in_genre = selectors.genre_tracks(genre=found, user=user)
        leading = in_genre.prefetch_related(None).values("artist_id")[:200]
        artists = list(Artist.objects.visible_to(user).filter(pk__in=leading).order_by("name", "id")[:24])
        return {"genre": found, "tracks": list(in_genre[:GENRE_TOP_TRACKS]), "artists": artists}

    context = _catalog_part(user, "genre", {"id": genre_id}, build)
    flag_favorites(user, context["tracks"])
    return context


def track(*, track_id: int, user) -> dict:
    """A track and more by the same artist (Track.DoesNotExist when the user may not see it)."""
    def build() -> dict:
        found = selectors.track_get(track_id=track_id, user=user)
        more = list(selectors.artist_tracks(artist=found.artist, user=user).exclude(pk=found.pk)[:TRACK_MORE_BY_ARTIST])
        return {"track": found, "more_by_artist": more}

    context = _catalog_part(user, "track", {"id": track_id}, build)
    flag_favorites(user, [context["track"]], context["more_by_artist"])
    return context
