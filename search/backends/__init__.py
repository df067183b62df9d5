"""Search backends behind one interface; settings.SEARCH_BACKEND picks one."""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .base import ENTITIES, Hit, SearchBackend, SearchFilters, SearchRequest, SearchScope

__all__ = ["ENTITIES", "Hit", "SearchBackend", "SearchFilters", "SearchRequest", "SearchScope", "get_backend"]


@lru_cache(maxsize=4)
def _backend(name: str) -> SearchBackend:
    if name == "postgres":
        from .postgres import PostgresBackend

        return PostgresBackend()
    if name == "elasticsearch":
        from .elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    raise ValueError(f"Unknown SEARCH_BACKEND {name!r}: use 'postgres' or 'elasticsearch'.")


def get_backend(name: str | None = None) -> SearchBackend:
    return _backend(name or settings.SEARCH_BACKEND)
