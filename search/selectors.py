"""Load the rows behind ranked hits, in rank order, with a fixed number of queries."""
from __future__ import annotations

from catalog.models import Album, Artist, Track
from playlists.models import Playlist

from .backends import Hit

_QUERYSETS = {
    "track": lambda: Track.objects.select_related("artist", "album", "genre"),
    "artist": lambda: Artist.objects.all(),
    "album": lambda: Album.objects.select_related("artist"),
    "playlist": lambda: Playlist.objects.select_related("owner"),
}


def hits_hydrate(*, hits: list[Hit]) -> list[tuple[Hit, object]]:
    """Pair each hit with its model instance (one query per entity); hits whose row vanished are dropped."""
    by_entity: dict[str, set[int]] = {}
    for hit in hits:
        by_entity.setdefault(hit.entity, set()).add(hit.id)
    objects = {
        entity: _QUERYSETS[entity]().in_bulk(list(ids)) for entity, ids in by_entity.items()
    }
    return [(hit, objects[hit.entity][hit.id]) for hit in hits if hit.id in objects[hit.entity]]
