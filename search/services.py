"""Search: validate a query, ask the configured backend, announce searches and clicks."""
from __future__ import annotations

import re
import time
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .backends import ENTITIES, Hit, SearchFilters, SearchRequest, get_backend
from .folding import fold
from .signals import search_performed, search_result_clicked

# Longer queries are refused: no title is that long, and each word costs an index probe.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"\w+")


def search_request_build(
    *, entity: str, query: str, user_id: int | None = None, filters: SearchFilters | None = None, limit: int | None = None
) -> SearchRequest:
    """Validate and fold a query; raise ValidationError on {"q": ...} for empty or too long ones."""
    if entity not in ENTITIES:
        raise ValidationError({"entity": f"Choose one of: {', '.join(ENTITIES)}."})
    text = (query or "").strip()
    if not text:
        raise ValidationError({"q": "Type something to search for."})
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError({"q": f"The query is too long: at most {MAX_QUERY_CHARS} characters."})
    folded = fold(text)
    words = tuple(_WORD.findall(folded))[:MAX_QUERY_WORDS]
    return SearchRequest(
        entity=entity, text=text, folded=" ".join(words), words=words, user_id=user_id,
        filters=filters or SearchFilters(), limit=limit or settings.SEARCH_MAX_RESULTS,
    )


def search_run(*, request: SearchRequest, user=None, announce: bool = True) -> list[Hit]:
    """Return ranked hits (at most request.limit) and announce the search after commit.

    A query with no letter or digit (only punctuation or emoji) finds nothing; that is an
    answer, not an error.
    """
    hits = get_backend().search(request) if request.words else []
    if announce:
        _announce(search_performed, user=user, query=request.text, results_count=len(hits), entity=request.entity)
    return hits


def suggest(*, query: str, user=None, per_entity: int | None = None) -> list[Hit]:
    """Mixed entities for the first letters typed: the best few of each, best first overall."""
    per_entity = per_entity or settings.SEARCH_SUGGEST_PER_ENTITY
    user_id = getattr(user, "id", None)
    backend = get_backend()
    hits: list[Hit] = []
    for entity in ENTITIES:
        request = search_request_build(entity=entity, query=query, user_id=user_id, limit=per_entity)
        if request.words:
            # Fewer candidates than a full search: a keystroke needs the best few, fast.
            hits.extend(backend.search(replace(request, candidates=settings.SEARCH_SUGGEST_CANDIDATES)))
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


def search_health() -> dict:
    """Backend name and the latency of a trivial query (settings.HEALTH_CHECKS)."""
    started = time.perf_counter()
    info = get_backend().ping()
    return {**info, "query_ms": round((time.perf_counter() - started) * 1000, 1)}


def _announce(signal, **kwargs) -> None:
    user = kwargs.pop("user", None)
    kwargs["user"] = user if getattr(user, "is_authenticated", False) else None
    transaction.on_commit(lambda: signal.send(sender=search_run, **kwargs))
