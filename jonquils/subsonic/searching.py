"""search3 (ID3) and search2 (folders): the search service's ranked hits, paged; an empty query pages everything
(how apps sync a whole library), in id order so paging is stable."""
from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.permissions import user_sees_public_catalog_only
from catalog.cache import cache_key

from search.services import search_request_build, search_run

from . import selectors, serializers as s
from .envelope import MISSING_PARAMETER, SubsonicError
from .registry import method

MAX_PAGE = 500
MAX_RANKED = 1000  # the search service ranks at most this many hits per entity
SYNC_BOUNDARY_TTL_S = 3600  # a library sync of 1M songs takes minutes, not hours


def _page(ctx, prefix: str) -> tuple[int, int]:
    return (ctx.params.int(f"{prefix}Count", 20, maximum=MAX_PAGE), ctx.params.int(f"{prefix}Offset", 0))


def _sync_boundary_key(ctx, entity: str, offset: int) -> str:
    scope = "public" if user_sees_public_catalog_only(ctx.user) else f"user-{ctx.user.pk}"
    return cache_key("subsonic-sync-boundary", {"entity": entity, "scope": scope, "offset": offset})


def _everything_page(ctx, entity: str, queryset, count: int, offset: int) -> list:
    """Rows `offset` to `offset + count` of everything the user may see, in id order (an app's library sync).

    A sync asks page after page; each page remembers the last id it returned under the next
    page's offset (per catalog version and viewer scope), so the next page seeks `id > last`
    instead of counting past every earlier row again (the 1,000th page of 500 songs skipped
    half a million rows). A page asked out of order still gets its rows by OFFSET, on ids alone.
    """
    try:
        key = _sync_boundary_key(ctx, entity, offset)
        after = cache.get(key) if offset else None
    except Exception:  # Redis unavailable: page by OFFSET
        key, after = None, None
    if offset == 0 or after is not None:
        rows = queryset.filter(pk__gt=after) if after is not None else queryset
        page = list(rows.order_by("id")[:count])
    else:
        ids = queryset.order_by("id").values("pk")[offset:offset + count]  # skipped rows cost no join
        page = list(queryset.filter(pk__in=ids).order_by("id"))
    if key is not None and len(page) == count:
        try:
            cache.set(_sync_boundary_key(ctx, entity, offset + count), page[-1].pk, timeout=SYNC_BOUNDARY_TTL_S)
        except Exception:
            pass
    return page


def _ranked(ctx, entity: str, text: str, queryset, count: int, offset: int) -> list:
    if count == 0:
        return []
    if not text:
        return _everything_page(ctx, entity, queryset, count, offset)
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
