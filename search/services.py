"""Search: validate a query, ask the configured backend, announce searches and clicks."""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.permissions import user_is_admin, user_is_artist, user_sees_public_catalog_only
from catalog.cache import cached

from .backends import ENTITIES, Hit, SearchFilters, SearchRequest, SearchScope, get_backend
from .folding import fold
from .selectors import hits_visible
from .signals import search_performed, search_result_clicked

logger = logging.getLogger("search")

# Longer queries are refused: no title is that long, and each word costs an index probe.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"\w+")


def search_scope(user) -> SearchScope:
    """The backends' pre-filter for this viewer (a superset of what visible_to lets them see)."""
    if user_is_admin(user):
        return SearchScope(sees_all=True, user_id=user.pk)
    if user is None or not user.is_authenticated:
        return SearchScope()
    artist_id = None
    if user_is_artist(user):
        from catalog.models import Artist

        artist_id = Artist.objects.filter(user=user).values_list("pk", flat=True).first()
    return SearchScope(user_id=user.pk, artist_id=artist_id)


def search_request_build(
    *, entity: str, query: str, user=None, filters: SearchFilters | None = None, limit: int | None = None,
    scope: SearchScope | None = None,
) -> SearchRequest:
    """Validate and fold a query for `user` (None: anonymous); raise ValidationError on {"q": ...} for empty or too long ones."""
    if entity not in ENTITIES:
        raise ValidationError({"entity": f"Choose one of: {', '.join(ENTITIES)}."})
    text = (query or "").strip()
    if not text:
        raise ValidationError({"q": "Type something to search for."})
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError({"q": f"The query is too long: at most {MAX_QUERY_CHARS} characters."})
    folded = fold(text)
    words = tuple(_WORD.findall(folded))[:MAX_QUERY_WORDS]
    signed_in = user is not None and user.is_authenticated
    return SearchRequest(
        entity=entity, text=text, folded=" ".join(words), words=words, user_id=user.pk if signed_in else None,
        filters=filters or SearchFilters(), limit=limit or settings.SEARCH_MAX_RESULTS,
        scope=scope if scope is not None else search_scope(user), viewer=user if signed_in else None,
    )


def search_run(*, request: SearchRequest, announce: bool = True) -> list[Hit]:
    """Return the ranked hits (at most request.limit) the viewer may see; announce the search after commit.

    Cached like the suggestions (search_answer_cached): per search generation, catalog version
    and viewer scope, for SEARCH_SUGGEST_CACHE_SECONDS.

    Whatever the backend returns is loaded through visible_to(request.viewer): a stale index
    never shows a row the viewer may not see. A query with no letter or digit (only
    punctuation or emoji) finds nothing; that is an answer, not an error.
    """
    def ranked_and_visible() -> list[Hit]:
        found = get_backend().search(request) if request.words else []
        return hits_visible(hits=found, user=request.viewer)

    # The same query of the same scope ranks the same until a searchable write (or the timeout):
    # the pages, the REST API and Subsonic's search3 share one cached ranking.
    key = f"hits|{settings.SEARCH_BACKEND}|{request.folded}|{request.filters!r}|{request.limit}|{request.candidates}"
    hits = search_answer_cached(request=request, key=key, build=ranked_and_visible)
    if announce:
        search_announce(request=request, results_count=len(hits))
    return hits


_SUGGEST_GENERATION = "search:suggest:generation"


def suggest_cache_invalidate() -> None:
    """Forget every cached suggestion: a searchable row (track, artist, album, playlist) changed."""
    try:
        cache.incr(_SUGGEST_GENERATION)
    except ValueError:  # no generation yet: nothing cached under one either
        cache.set(_SUGGEST_GENERATION, 1, timeout=None)


def _suggest_key(*, query: str, scope: SearchScope, per_entity: int) -> str:
    """One entry per (generation, folded words, viewer scope): a viewer's own playlists and tracks are theirs."""
    generation = cache.get_or_set(_SUGGEST_GENERATION, 1, timeout=None)
    words = " ".join(_WORD.findall(fold(query.strip())))[:MAX_QUERY_CHARS]
    viewer = "all" if scope.sees_all else f"{scope.user_id}.{scope.artist_id}"
    return f"search:suggest:{generation}:{viewer}:{per_entity}:{words}"


def suggest(*, query: str, user=None, per_entity: int | None = None, present: Callable[[list[Hit]], Any] | None = None,
            present_as: str = "hits"):
    """Mixed entities for the first letters typed: the best few of each, best first overall.

    Cached per (query, viewer) for SEARCH_SUGGEST_CACHE_SECONDS: every keystroke of every
    listener asks the same few prefixes. Any write to a searchable row goes through
    search_index_enqueue, which drops the whole cache once the write commits, and the key
    carries the catalog version too; the timeout only bounds how stale the popularity order
    may get. `present(hits)` shapes the answer (rows loaded, dicts for the API) and its result
    is what is cached (under `present_as`), so a repeated prefix costs one cache read.
    """
    per_entity = per_entity or settings.SEARCH_SUGGEST_PER_ENTITY
    scope = search_scope(user)
    key = _suggest_key(query=query or "", scope=scope, per_entity=per_entity)

    def build():
        hits = _suggest_uncached(query=query, user=user, per_entity=per_entity, scope=scope)
        return present(hits) if present is not None else hits

    answer = cached("search-suggest", {"key": key, "as": present_as}, build, timeout=settings.SEARCH_SUGGEST_CACHE_SECONDS)
    return list(answer)


def search_answer_cached(*, request: SearchRequest, key: str, build: Callable[[], Any]) -> Any:
    """An answer built from one search (a page of hydrated hits): cached per (search generation, catalog
    version, viewer, key) for SEARCH_SUGGEST_CACHE_SECONDS, like the suggestions.

    Viewers who see the public catalog share one entry, except for playlists (the caller's own
    private ones are among the hits). The caller announces the search itself (search_announce):
    a cached answer is still a search a listener made.
    """
    if request.entity != "playlist" and user_sees_public_catalog_only(request.viewer):
        viewer = "public"
    else:
        viewer = "all" if request.scope.sees_all else f"{request.scope.user_id}.{request.scope.artist_id}"
    generation = cache.get_or_set(_SUGGEST_GENERATION, 1, timeout=None)
    return cached("search-answer", {"generation": generation, "viewer": viewer, "entity": request.entity, "key": key},
                  build, timeout=settings.SEARCH_SUGGEST_CACHE_SECONDS)


def search_announce(*, request: SearchRequest, results_count: int) -> None:
    """Announce a search (analytics) after commit, as search_run does unless told not to."""
    _announce(search_performed, user=request.viewer, query=request.text, results_count=results_count,
              entity=request.entity)


def _suggest_uncached(*, query: str, user, per_entity: int, scope: SearchScope) -> list[Hit]:
    backend = get_backend()
    hits: list[Hit] = []
    for entity in ENTITIES:
        request = search_request_build(entity=entity, query=query, user=user, limit=per_entity, scope=scope)
        if request.words:
            # Fewer candidates than a full search: a keystroke needs the best few, fast.
            hits.extend(backend.search(replace(request, candidates=settings.SEARCH_SUGGEST_CANDIDATES)))
    hits = hits_visible(hits=hits, user=user)
    order = {entity: i for i, entity in enumerate(ENTITIES)}
    hits.sort(key=lambda h: (-round(h.score, 4), -h.popularity, order[h.entity], h.id))
    return hits


def search_click_record(*, user, query: str, entity: str, result_id: int) -> None:
    """Announce that a search result was opened (analytics stores it)."""
    text = (query or "").strip()[:MAX_QUERY_CHARS]
    if entity not in ENTITIES:
        raise ValidationError({"entity": f"Choose one of: {', '.join(ENTITIES)}."})
    _announce(search_result_clicked, user=user, query=text, entity=entity, result_id=result_id)


def index_tracks(*, track_ids: list[int] | None = None) -> int:
    """The ETL's index_to_search step: send these tracks (all when None) to the search index.

    On PostgreSQL this is a no-op returning 0: the search columns are kept by the database
    itself (generated columns and triggers), so there is nothing to send. On Elasticsearch
    the documents are sent in batches of SEARCH_INDEX_BATCH.
    """
    return get_backend().index_tracks(track_ids=track_ids)


def search_index_changes(*, changes: dict[str, list[int]]) -> int:
    """Bring the index up to date for these rows ({entity: ids}); rows gone from the database leave it.

    Idempotent: each row is sent as it is now (or deleted), so a repeated or late batch is
    harmless. A no-op returning 0 on PostgreSQL (triggers keep its search columns).
    """
    backend = get_backend()
    sent = 0
    for entity, ids in changes.items():
        if entity not in ENTITIES:
            raise ValueError(f"Unknown search entity {entity!r}")
        if ids:
            sent += backend.index_objects(entity=entity, ids=sorted({int(i) for i in ids}))
    return sent


class IndexBatch:
    """The rows one transaction changed, sent to the index by one task once it commits.

    Registered with transaction.on_commit the first time a transaction changes a searchable
    row; later changes in the same transaction join it. A rolled-back transaction drops it
    (Django discards its on_commit callbacks), so nothing is indexed for it.
    """

    def __init__(self):
        self.changes: dict[str, set[int]] = {}

    def add(self, entity: str, ids: Iterable[int]) -> None:
        self.changes.setdefault(entity, set()).update(ids)

    def payload(self) -> dict[str, list[int]]:
        return {entity: sorted(ids) for entity, ids in self.changes.items() if ids}

    def __call__(self) -> None:
        connection = transaction.get_connection()
        if getattr(connection, "_search_index_batch", None) is self:
            connection._search_index_batch = None
        from .tasks import index_changes_task

        index_changes_task.delay(self.payload())


def _open_batch() -> IndexBatch | None:
    """The batch of the current transaction, if one is registered and still pending."""
    connection = transaction.get_connection()
    batch = getattr(connection, "_search_index_batch", None)
    if batch is None or not connection.in_atomic_block:
        return None
    # Gone from the pending callbacks: its savepoint or transaction was rolled back, or it ran.
    return batch if any(entry[1] is batch for entry in connection.run_on_commit) else None


def search_index_enqueue(*, entity: str, ids: Iterable[int | None]) -> None:
    """Have these rows re-indexed once the current transaction commits (batched per transaction, ids only).

    Called by the services that create, change or delete searchable rows. Nothing to do on
    PostgreSQL, whose search columns the database keeps current.
    """
    if entity not in ENTITIES:
        raise ValueError(f"Unknown search entity {entity!r}")
    # Every backend: cached suggestions must not outlive the row they show (nor miss a new one).
    transaction.on_commit(suggest_cache_invalidate, robust=True)
    if not get_backend().needs_sync:
        return
    wanted = {int(i) for i in ids if i is not None}
    if not wanted:
        return
    batch = _open_batch()
    if batch is not None:
        batch.add(entity, wanted)
        return
    batch = IndexBatch()
    batch.add(entity, wanted)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        connection._search_index_batch = batch
    # robust: the write is committed; a broker outage is logged and healed by the hourly index step.
    transaction.on_commit(batch, robust=True)


def search_index_track_changes(*, tracks: Iterable) -> None:
    """Re-index tracks and what carries their names or popularity: their artists and albums."""
    for track in tracks:
        search_index_enqueue(entity="track", ids=[track.pk])
        search_index_enqueue(entity="artist", ids=[track.artist_id])
        search_index_enqueue(entity="album", ids=[track.album_id])


def search_health() -> dict:
    """Backend name and the latency of a trivial query (settings.HEALTH_CHECKS)."""
    started = time.perf_counter()
    info = get_backend().ping()
    return {**info, "query_ms": round((time.perf_counter() - started) * 1000, 1)}


def _announce(signal, **kwargs) -> None:
    user = kwargs.pop("user", None)
    kwargs["user"] = user if getattr(user, "is_authenticated", False) else None
    transaction.on_commit(lambda: signal.send(sender=search_run, **kwargs))
