"""Celery tasks of search: thin, they call search.services / search.es."""
from __future__ import annotations

from celery import shared_task
from elasticsearch import ConnectionError as ESConnectionError, TransportError

from . import services


@shared_task(
    name="search.index_tracks", autoretry_for=(ESConnectionError, TransportError), retry_backoff=True,
    retry_backoff_max=300, max_retries=6,
)
def index_tracks_task(track_ids: list[int] | None = None) -> int:
    """Send these tracks to the search index in batches (a no-op on PostgreSQL)."""
    return services.index_tracks(track_ids=track_ids)


@shared_task(name="search.rebuild_index", autoretry_for=(ESConnectionError, TransportError), retry_backoff=True, max_retries=3)
def rebuild_index_task(entity: str) -> str:
    """Rebuild one Elasticsearch index with zero downtime; '' on PostgreSQL."""
    from django.conf import settings

    if settings.SEARCH_BACKEND != "elasticsearch":
        return ""
    from .es import rebuild

    return rebuild(entity)


@shared_task(
    name="search.index_changes", autoretry_for=(ESConnectionError, TransportError), retry_backoff=True,
    retry_backoff_max=300, max_retries=6,
)
def index_changes_task(changes: dict[str, list[int]]) -> int:
    """Send the rows one transaction changed ({entity: ids}) to the search index (a no-op on PostgreSQL)."""
    return services.search_index_changes(changes=changes)
