"""Elasticsearch index upkeep: batched indexing and zero-downtime rebuilds (new index + alias swap)."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("search.es")

KINDS = {"track": "tracks", "artist": "artists", "album": "albums", "playlist": "playlists"}


def _client():
    from elasticsearch.dsl.connections import connections

    return connections.get_connection()


def _actions(entity: str, objects: Iterable, index: str, wanted_ids: set[int] | None) -> Iterator[dict]:
    from search.documents import DOCUMENTS

    document = DOCUMENTS[entity]()
    seen: set[int] = set()
    for obj in objects:
        seen.add(obj.pk)
        if document.should_index_object(obj):
            yield {"_op_type": "index", "_index": index, "_id": obj.pk, "_source": document.prepare(obj)}
        else:
            yield {"_op_type": "delete", "_index": index, "_id": obj.pk}
    # Rows gone from the database leave the index too.
    for missing in sorted((wanted_ids or set()) - seen):
        yield {"_op_type": "delete", "_index": index, "_id": missing}


def index_objects(entity: str, *, ids: list[int] | None = None, index: str | None = None, refresh: bool = False) -> int:
    """Send these rows (all when ids is None) in bulk batches of SEARCH_INDEX_BATCH; return how many actions."""
    from elasticsearch.helpers import bulk

    from search.documents import DOCUMENTS, alias_name

    queryset = DOCUMENTS[entity]().get_queryset()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    batch = settings.SEARCH_INDEX_BATCH
    sent, errors = bulk(
        _client(), _actions(entity, queryset.iterator(chunk_size=batch), index or alias_name(KINDS[entity]), set(ids or [])),
        chunk_size=batch, raise_on_error=False, refresh=refresh,
    )
    # A delete of a document that was never indexed is not an error.
    real = [e for e in errors if not (isinstance(e, dict) and e.get("delete", {}).get("status") == 404)]
    if real:
        raise RuntimeError(f"Elasticsearch refused {len(real)} of {sent + len(errors)} documents: {real[:3]}")
    return sent + len(errors)


def rebuild(entity: str, *, refresh: bool = False) -> str:
    """Build a fresh index beside the live one, fill it, point the alias at it, drop the old one.

    Searches keep hitting the old index until the single atomic alias update. Rows saved
    while the copy ran are sent again after the swap, so none is lost.
    """
    from search.documents import DOCUMENTS, alias_name

    client = _client()
    alias = alias_name(KINDS[entity])
    new_name = f"{alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"
    started = timezone.now()
    DOCUMENTS[entity]._index.clone(name=new_name).create()
    index_objects(entity, index=new_name)
    client.indices.refresh(index=new_name)

    old = list(client.indices.get_alias(name=alias).keys()) if client.indices.exists_alias(name=alias) else []
    actions: list[dict] = [{"add": {"index": new_name, "alias": alias}}]
    actions += [{"remove": {"index": name, "alias": alias}} for name in old]
    if not old and client.indices.exists(index=alias):
        actions.append({"remove_index": {"index": alias}})  # a plain index once held the alias's name
    client.indices.update_aliases(actions=actions)
    for name in old:
        client.indices.delete(index=name, ignore_unavailable=True)

    model = DOCUMENTS[entity].django.model
    if hasattr(model, "updated_at"):
        changed = list(model.objects.filter(updated_at__gte=started).values_list("pk", flat=True))
        if changed:
            index_objects(entity, ids=changed)
    if refresh:
        client.indices.refresh(index=alias)
    logger.info("search index rebuilt", extra={"alias": alias, "index": new_name, "replaced": old})
    return new_name


def rebuild_all(*, refresh: bool = False) -> dict[str, str]:
    return {entity: rebuild(entity, refresh=refresh) for entity in KINDS}
