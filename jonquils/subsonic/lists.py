"""Lists: getAlbumList2 / getAlbumList (every type, paged), getRandomSongs, getSongsByGenre, getStarred2 / getStarred,
getNowPlaying. Each answer costs a fixed number of queries, whatever its size."""
from __future__ import annotations

import time

from django.core.cache import cache
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import ExtractYear

from analytics.models import ListeningHistory
from catalog.cache import cached_for_viewer
from catalog.models import Track
from playlists.models import Favorite, Rating, Star

from . import selectors, serializers as s
from .envelope import MISSING_PARAMETER, SubsonicError, missing
from .registry import method

MAX_LIST = 500
ALBUM_LIST_TYPES = ("random", "newest", "highest", "frequent", "recent", "alphabeticalByName", "alphabeticalByArtist",
                    "starred", "byYear", "byGenre")


def _albums_of_type(ctx):
    params, user = ctx.params, ctx.user
    kind = params.required("type")
    if kind not in ALBUM_LIST_TYPES:
        raise SubsonicError(MISSING_PARAMETER, f"Unknown list type '{kind[:40]}'; use one of {', '.join(ALBUM_LIST_TYPES)}.")
    size = params.int("size", 10, maximum=MAX_LIST)
    offset = params.int("offset", 0)
    albums = selectors.albums_for(user)
    mine = ListeningHistory.objects.filter(user=user, track__album_id=OuterRef("pk")).order_by()
    if kind == "random":
        albums = albums.order_by("?")
    elif kind == "newest":
        albums = albums.order_by("-created_at", "-id")
    elif kind == "highest":
        rating = Rating.objects.filter(user=user, kind="album", item_id=OuterRef("pk")).values("rating")[:1]
        albums = albums.annotate(my_rating=Subquery(rating)).filter(my_rating__isnull=False).order_by("-my_rating", "id")
    elif kind == "frequent":
        from django.db.models import Count

        plays = mine.values("track__album_id").annotate(n=Count("pk")).values("n")[:1]
        albums = albums.annotate(play_count=Subquery(plays)).filter(play_count__gt=0).order_by("-play_count", "id")
    elif kind == "recent":
        last = mine.values("track__album_id").annotate(at=Max("played_at")).values("at")[:1]
        albums = albums.annotate(last_played=Subquery(last)).filter(last_played__isnull=False).order_by("-last_played", "id")
    elif kind == "alphabeticalByName":
        albums = albums.order_by("title", "id")
    elif kind == "alphabeticalByArtist":
        albums = albums.order_by("artist__name", "title", "id")
    elif kind == "starred":
        albums = albums.filter(pk__in=Star.objects.filter(user=user, kind="album").values("item_id")).order_by("title", "id")
    elif kind == "byYear":
        if "fromYear" not in params:
            raise missing("fromYear")
        if "toYear" not in params:
            raise missing("toYear")
        first, last = params.int("fromYear", maximum=9999), params.int("toYear", maximum=9999)
        low, high = min(first, last), max(first, last)
        albums = albums.annotate(year=ExtractYear("release_date")).filter(year__gte=low, year__lte=high)
        albums = albums.order_by("release_date", "id") if first <= last else albums.order_by("-release_date", "-id")
    elif kind == "byGenre":
        genre = params.required("genre")
        tracks = Track.objects.visible_to(user).filter(genre__name__iexact=genre).values("album_id")
        albums = albums.filter(pk__in=tracks).order_by("title", "id")
    return list(albums[offset:offset + size])


# The list types whose answer is the same for every viewer of the public catalog (the others rank
# by the user's own plays, ratings or stars, or at random).
SHARED_LIST_TYPES = frozenset({"newest", "alphabeticalByName", "alphabeticalByArtist", "byYear", "byGenre"})


def _album_list(ctx, shape) -> list[dict]:
    """The albums of getAlbumList(2) in `shape`, with the user's stars and ratings.

    A shared list type is one cached answer per catalog version for the viewers who see the public
    catalog (500 albums with their counts cost ≈ 200 ms at 100k tracks); the user's marks of those
    albums are one query laid over it.
    """
    if ctx.params.get("type") not in SHARED_LIST_TYPES:
        albums = _albums_of_type(ctx)
        notes = s.Annotations.load(user=ctx.user, albums=albums)
        return [shape(a, notes) for a in albums]
    key = {name: ctx.params.get(name) for name in ("type", "size", "offset", "fromYear", "toYear", "genre")}
    bodies = cached_for_viewer(ctx.user, "subsonic-album-list", {"shape": shape.__name__, **key},
                               lambda: [(a.pk, shape(a)) for a in _albums_of_type(ctx)])
    notes = s.Annotations.load_ids(user=ctx.user, ids={"album": {pk for pk, _ in bodies}})
    return [{**body, **notes.of("album", pk)} for pk, body in bodies]


@method("getAlbumList2")
def get_album_list2(ctx):
    return {"albumList2": {"album": _album_list(ctx, s.album)}}


@method("getAlbumList")
def get_album_list(ctx):
    return {"albumList": {"album": _album_list(ctx, s.album_as_child)}}


def songs_answer(ctx, tracks) -> list[dict]:
    tracks = list(tracks)
    notes = s.Annotations.load(user=ctx.user, tracks=tracks)
    return [s.song(t, notes) for t in tracks]


@method("getRandomSongs")
def get_random_songs(ctx):
    params = ctx.params
    size = params.int("size", 10, maximum=MAX_LIST)
    tracks = selectors.tracks_for(ctx.user)
    if params.get("genre"):
        tracks = tracks.filter(genre__name__iexact=params.get("genre"))
    if "fromYear" in params:
        tracks = tracks.filter(album__release_date__year__gte=params.int("fromYear", maximum=9999))
    if "toYear" in params:
        tracks = tracks.filter(album__release_date__year__lte=params.int("toYear", maximum=9999))
    return {"randomSongs": {"song": songs_answer(ctx, tracks.order_by("?")[:size])}}


@method("getSongsByGenre")
def get_songs_by_genre(ctx):
    genre = ctx.params.required("genre")
    count = ctx.params.int("count", 10, maximum=MAX_LIST)
    offset = ctx.params.int("offset", 0)
    tracks = selectors.tracks_for(ctx.user).filter(genre__name__iexact=genre).order_by("-popularity", "id")
    return {"songsByGenre": {"song": songs_answer(ctx, tracks[offset:offset + count])}}


def _starred(ctx):
    user = ctx.user
    tracks = list(selectors.tracks_for(user).filter(
        pk__in=Favorite.objects.filter(user=user).values("track_id")).order_by("title", "id")[:5000])
    albums = list(selectors.albums_for(user).filter(
        pk__in=Star.objects.filter(user=user, kind="album").values("item_id")).order_by("title", "id"))
    artists = list(selectors.artists_for(user).filter(
        pk__in=Star.objects.filter(user=user, kind="artist").values("item_id")).order_by("name", "id"))
    notes = s.Annotations.load(user=user, tracks=tracks, albums=albums, artists=artists)
    return tracks, albums, artists, notes


@method("getStarred2")
def get_starred2(ctx):
    tracks, albums, artists, notes = _starred(ctx)
    return {"starred2": {"artist": [s.artist(a, notes) for a in artists], "album": [s.album(a, notes) for a in albums],
                         "song": [s.song(t, notes) for t in tracks]}}


@method("getStarred")
def get_starred(ctx):
    tracks, albums, artists, notes = _starred(ctx)
    return {"starred": {"artist": [s.artist_legacy(a, notes) for a in artists],
                        "album": [s.album_as_child(a, notes) for a in albums],
                        "song": [s.song(t, notes) for t in tracks]}}


# --- now playing: kept in the cache for NOW_PLAYING_TTL_S, set by scrobble(submission=false) ---------
NOW_PLAYING_KEY = "subsonic:now-playing"
NOW_PLAYING_TTL_S = 15 * 60


def now_playing_set(*, user, track_id: int, client: str) -> None:
    entries = cache.get(NOW_PLAYING_KEY) or {}
    now = time.time()
    entries = {uid: e for uid, e in entries.items() if now - e["at"] < NOW_PLAYING_TTL_S}
    entries[user.pk] = {"track_id": track_id, "at": now, "username": user.username, "client": client}
    cache.set(NOW_PLAYING_KEY, entries, timeout=NOW_PLAYING_TTL_S)


@method("getNowPlaying")
def get_now_playing(ctx):
    now = time.time()
    entries = [e for e in (cache.get(NOW_PLAYING_KEY) or {}).values() if now - e["at"] < NOW_PLAYING_TTL_S]
    tracks = selectors.tracks_for(ctx.user).in_bulk([e["track_id"] for e in entries])
    notes = s.Annotations.load(user=ctx.user, tracks=list(tracks.values()))
    shown = []
    for player, entry in enumerate(sorted(entries, key=lambda e: -e["at"]), start=1):
        track = tracks.get(entry["track_id"])
        if track is not None:
            shown.append({**s.song(track, notes), "username": entry["username"],
                          "minutesAgo": int((now - entry["at"]) // 60), "playerId": player,
                          "playerName": entry["client"]})
    return {"nowPlaying": {"entry": shown}}
