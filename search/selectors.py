"""Load the rows behind ranked hits, in rank order, through each model's `visible_to(user)`.

This is where search meets the visibility rule: whatever a backend returns (a stale
Elasticsearch document, a row made private since it was indexed), only rows the viewer
may see are kept. A fixed number of queries: one per entity present.
"""
from __future__ import annotations

from catalog.models import Album, Artist, Track
from catalog.selectors import album_credits_prefetch, credits_prefetch
from playlists.models import Playlist

from .backends import Hit

_MODELS = {"track": Track, "artist": Artist, "album": Album, "playlist": Playlist}
_RELATED = {"track": ("artist", "album", "genre"), "artist": (), "album": ("artist",), "playlist": ("owner",)}


def _prefetch(entity: str) -> tuple:
    """Credited artists of tracks and albums, one query per entity (the result rows show them)."""
    return {"track": (credits_prefetch(),), "album": (album_credits_prefetch(),)}.get(entity, ())


def _by_entity(hits: list[Hit]) -> dict[str, list[int]]:
    ids: dict[str, set[int]] = {}
    for hit in hits:
        ids.setdefault(hit.entity, set()).add(hit.id)
    return {entity: sorted(found) for entity, found in ids.items()}


def hits_visible(*, hits: list[Hit], user) -> list[Hit]:
    """The hits whose rows `user` may see (visible_to), in the same order; ids only, no rows loaded."""
    visible = {
        entity: set(_MODELS[entity].objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        for entity, ids in _by_entity(hits).items()
    }
    return [hit for hit in hits if hit.id in visible[hit.entity]]


def hits_hydrate(*, hits: list[Hit], user=None) -> list[tuple[Hit, object]]:
    """Pair each hit with its row; hits whose row vanished or that `user` may not see are dropped."""
    objects = {
        entity: _MODELS[entity].objects.visible_to(user).select_related(*_RELATED[entity])
        .prefetch_related(*_prefetch(entity)).in_bulk(ids)
        for entity, ids in _by_entity(hits).items()
    }
    return [(hit, objects[hit.entity][hit.id]) for hit in hits if hit.id in objects[hit.entity]]
