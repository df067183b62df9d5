"""API response caching of hot public catalog reads: the one invalidation mechanism.

Every cached answer's key embeds the catalog version. Any write that can change a
cached answer calls `catalog_cache_invalidate()`, which bumps the version after the
write's transaction commits: from then on every old key is unreachable (and expires by
its timeout), so a read that follows a committed edit never sees the old answer.

Why one version for the whole catalog: an edit of a track changes the popular list, its
album page and its artist page at once; catalog writes are rare next to reads, so
dropping every cached page on each write costs little and cannot miss a dependency.
"""
from __future__ import annotations

import contextvars
import hashlib
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)
VERSION_KEY = "api-cache:catalog:version"
CHANGED_AT_KEY = "api-cache:catalog:changed-at-ms"
DEFAULT_TIMEOUT_S = 300


# Within one web request the version is read from Redis once (a page asks for it for its cached
# part, its playlist entries and every track row). `CatalogVersionPerRequest` opens the memo for
# the request and closes it after; outside a request (Celery, commands, shells) there is none and
# every read goes to Redis. A bump in the request (a write that committed) empties it.
# None: outside a request (no memo); _UNREAD: in a request, not read yet; an int: the version read.
_UNREAD = object()
_version_memo: contextvars.ContextVar[int | object | None] = contextvars.ContextVar(
    "catalog_version_memo", default=None)


def version_counter_read(key: str, *, timeout: int | None = None) -> int:
    """A version counter kept in Redis under `key` (the catalog's; playlists.cache keeps one a playlist).

    A missing counter starts from the clock, not 1: if Redis evicted or expired it, entries
    stored under earlier (smaller) versions must not become reachable again."""
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), timeout=timeout)
        version = cache.get(key)
    return int(version)


def version_counter_bump(key: str, *, timeout: int | None = None) -> None:
    """Move a version counter on: every entry keyed on its old value becomes unreachable."""
    try:
        cache.incr(key)
    except ValueError:  # no counter yet: nothing is cached under a version we could reach
        cache.add(key, time.time_ns(), timeout=timeout)


def current_version() -> int:
    """The catalog version every cached answer's key embeds (read once per web request)."""
    memo = _version_memo.get()
    if isinstance(memo, int):
        return memo
    version = version_counter_read(VERSION_KEY)
    if memo is not None:
        _version_memo.set(version)
    return version


class CatalogVersionPerRequest:
    """Middleware: one catalog-version read per request (see `_version_memo`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _version_memo.set(_UNREAD)
        try:
            return self.get_response(request)
        finally:
            _version_memo.reset(token)


def _bump() -> None:
    if _version_memo.get() is not None:  # this request wrote: its later reads must see the new version
        _version_memo.set(_UNREAD)
    try:
        version_counter_bump(VERSION_KEY)
        cache.set(CHANGED_AT_KEY, time.time_ns() // 1_000_000, timeout=None)
    except Exception:  # the write is committed; a cache outage must not turn it into an error
        logger.exception("could not invalidate the catalog API cache")


def catalog_cache_invalidate() -> None:
    """Make every cached catalog answer unreachable once the current transaction commits."""
    transaction.on_commit(_bump)


def catalog_changed_at_ms() -> int:
    """When a catalog write last committed (ms since the epoch; 0 when not known, e.g. after a Redis flush).

    A hide or a deletion can lower the newest `updated_at` a viewer sees, so "modified since"
    answers (Subsonic getIndexes) take the later of the two.
    """
    try:
        return int(cache.get(CHANGED_AT_KEY) or 0)
    except Exception:
        logger.warning("catalog change time unavailable", exc_info=True)
        return 0


def cache_key(name: str, params: dict[str, Any], *, version: int | None = None) -> str:
    raw = "&".join(f"{k}={params[k]}" for k in sorted(params))
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"api-cache:catalog:{current_version() if version is None else version}:{name}:{digest}"


def cached(name: str, params: dict[str, Any], build: Callable[[], Any], *, timeout: int = DEFAULT_TIMEOUT_S) -> Any:
    """Return the cached value for (name, params) at the current version, building it once."""
    return cached_many(name, {None: params}, lambda _missing: {None: build()}, timeout=timeout)[None]


def cached_many(name: str, params_by_item: dict[Hashable, dict[str, Any]],
                build_missing: Callable[[list], dict[Hashable, Any]], *, timeout: int = DEFAULT_TIMEOUT_S) -> dict[Hashable, Any]:
    """`cached` for many items at once: one round trip reads the hits, one `build_missing(items)`
    call builds the misses (it returns {item: value}), one round trip stores them."""
    items = list(params_by_item)
    if not items:
        return {}
    try:
        version = current_version()
        keys = {item: cache_key(name, params_by_item[item], version=version) for item in items}
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("catalog API cache unavailable; answering uncached", exc_info=True)
        return build_missing(items)
    values = {item: found[keys[item]] for item in items if found.get(keys[item]) is not None}
    missing = [item for item in items if item not in values]
    if missing:
        built = build_missing(missing)
        values.update(built)
        try:
            cache.set_many({keys[item]: value for item, value in built.items()}, timeout=timeout)
        except Exception:
            logger.warning("could not store catalog API cache entries", exc_info=True)
    return values


def cached_for_viewer(user, name: str, params: dict[str, Any], build: Callable[[], Any], *,
                      timeout: int = DEFAULT_TIMEOUT_S) -> Any:
    """Share one cached answer among the viewers who see the public catalog; build it fresh for the others.

    What a viewer sees is `visible_to(user)` (catalog.models); admins and artists may see more
    than an anonymous visitor, so they never read or fill the shared entry. Anything personal
    (stars, likes, ratings) stays out of `build`'s value and is added by the caller.
    """
    from accounts.permissions import user_sees_public_catalog_only

    if user_sees_public_catalog_only(user):
        return cached(name, params, build, timeout=timeout)
    return build()


def cached_many_for_viewer(user, name: str, params_by_item: dict[Hashable, dict[str, Any]],
                           build_missing: Callable[[list], dict[Hashable, Any]], *,
                           timeout: int = DEFAULT_TIMEOUT_S) -> dict[Hashable, Any]:
    """`cached_many` shared among the viewers who see the public catalog, as `cached_for_viewer`;
    built fresh for the others."""
    from accounts.permissions import user_sees_public_catalog_only

    if user_sees_public_catalog_only(user):
        return cached_many(name, params_by_item, build_missing, timeout=timeout)
    return build_missing(list(params_by_item))
