"""search3 (ID3) and search2 (folders): the search service's ranked hits, paged; an empty query pages everything
(how apps sync a whole library), in id order so paging is stable."""
from __future__ import annotations

from django.core.exceptions import ValidationError

from search.services import search_request_build, search_run

from . import selectors, serializers as s
from .envelope import MISSING_PARAMETER, SubsonicError
from .registry import method

MAX_PAGE = 500
MAX_RANKED = 1000  # the search service ranks at most this many hits per entity


def _page(ctx, prefix: str) -> tuple[int, int]:
    return (ctx.params.int(f"{prefix}Count", 20, maximum=MAX_PAGE), ctx.params.int(f"{prefix}Offset", 0))


def _ranked(ctx, entity: str, text: str, queryset, count: int, offset: int) -> list:
    if count == 0:
        return []
    if not text:
        return list(queryset.order_by("id")[offset:offset + count])
    if offset + count > MAX_RANKED:
        return []
    try:
        request = search_request_build(entity=entity, query=text, user=ctx.user, limit=offset + count)
    except ValidationError as exc:
        raise SubsonicError(MISSING_PARAMETER, " ".join(exc.messages)) from exc
    ids = [hit.id for hit in search_run(request=request)][offset:offset + count]
    found = queryset.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _search(ctx):
    text = (ctx.params.get("query") or "").strip()
    if text in ('""', "''", "*"):
        text = ""  # what DSub, Symfonium and others send to list everything
    artist_count, artist_offset = _page(ctx, "artist")
    album_count, album_offset = _page(ctx, "album")
    song_count, song_offset = _page(ctx, "song")
    artists = _ranked(ctx, "artist", text, selectors.artists_for(ctx.user), artist_count, artist_offset)
    albums = _ranked(ctx, "album", text, selectors.albums_for(ctx.user), album_count, album_offset)
    tracks = _ranked(ctx, "track", text, selectors.tracks_for(ctx.user), song_count, song_offset)
    notes = s.Annotations.load(user=ctx.user, tracks=tracks, albums=albums, artists=artists)
    return artists, albums, tracks, notes


@method("search3")
def search3(ctx):
    artists, albums, tracks, notes = _search(ctx)
    return {"searchResult3": {"artist": [s.artist(a, notes) for a in artists], "album": [s.album(a, notes) for a in albums],
                              "song": [s.song(t, notes) for t in tracks]}}


@method("search2")
def search2(ctx):
    artists, albums, tracks, notes = _search(ctx)
    return {"searchResult2": {"artist": [s.artist_legacy(a, notes) for a in artists],
                              "album": [s.album_as_child(a, notes) for a in albums],
                              "song": [s.song(t, notes) for t in tracks]}}
