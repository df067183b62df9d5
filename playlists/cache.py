"""A public playlist's row from Redis: `selectors.playlist_get` reads it on every playlist request.

The API's playlist detail and every page of its entries, the playlist page and Subsonic's
getPlaylist all begin by loading the playlist to check that the viewer may see it: one query
of ≈ 3 ms through the ORM on a request that is otherwise cached (a 5,000-entry playlist's
detail at 1M tracks: 7.9 ms in-process, track detail 4.7 ms).

What is cached is what `Playlist.objects.visible_to(None)` (the public view, which every
viewer's view includes) answers for one id: the row, or "not public". A viewer it says no to
is answered by their own `visible_to(user)` query, so the owner of a private playlist and an
admin see what they did before. The owner is not part of the entry: it is attached from
`accounts.user_cache`, which follows renames.

Entries are keyed by a per-playlist version, which every write bumps: `post_save` and
`post_delete` of a Playlist (services, admin, cascades) and the services' `QuerySet.update`
calls (`services._touch`, `services.playlists_recompact`) through `playlists_changed`. The
bump happens at once (the writing transaction reads its own change) and again when the
transaction commits, so a request that read the old row just before the commit stored it under
a version nobody asks for any more. A write made outside Django is seen after ROW_TIMEOUT_S at
worst. When Redis is unreachable, the database answers.
"""
from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

from accounts.user_cache import user_by_id
from catalog.cache import version_counter_bump, version_counter_read
from catalog.filters import BIGINT_MAX

from .models import Playlist

logger = logging.getLogger(__name__)
ROW_TIMEOUT_S = 300
VERSION_TIMEOUT_S = 86_400  # an expired version starts again from the clock (catalog.cache.version_counter_read)
_NOT_PUBLIC = "not-public"


def _version_key(playlist_id: int) -> str:
    return f"playlist-cache:version:{playlist_id}"


def _version(playlist_id: int) -> int:
    return version_counter_read(_version_key(playlist_id), timeout=VERSION_TIMEOUT_S)


def _public_row(playlist_id: int) -> Playlist | None:
    return Playlist.objects.visible_to(None).select_related("owner").filter(pk=playlist_id).first()


def _without_owner(playlist: Playlist) -> Playlist:
    """The same row with no owner loaded: the entry stays small and holds no account data."""
    names = [field.attname for field in Playlist._meta.concrete_fields]
    return Playlist.from_db(playlist._state.db, names, [getattr(playlist, name) for name in names])


def public_playlist(playlist_id: int) -> Playlist | None:
    """The playlist as every viewer may see it, its owner attached; None: not public, or no such id.

    Each caller gets its own copy (unpickled from Redis)."""
    if not 0 < playlist_id <= BIGINT_MAX:
        return None
    try:
        key = f"playlist-cache:row:{playlist_id}:{_version(playlist_id)}"
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: the database answers
        logger.warning("playlist cache unavailable; reading the playlist from the database", exc_info=True)
        return _public_row(playlist_id)
    if found is None:  # one query, as without the cache
        row = _public_row(playlist_id)
        try:
            cache.set(key, _NOT_PUBLIC if row is None else _without_owner(row), timeout=ROW_TIMEOUT_S)
        except Exception:  # noqa: BLE001
            logger.warning("could not cache the playlist", exc_info=True)
        return row
    if isinstance(found, str):
        return None
    owner = user_by_id(found.owner_id)
    if owner is None:  # the owner's deletion is committing: the database decides
        return _public_row(playlist_id)
    found.owner = owner
    return found


def _bump(playlist_ids: list[int]) -> None:
    for playlist_id in playlist_ids:
        try:
            version_counter_bump(_version_key(playlist_id), timeout=VERSION_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the write stands; the entries expire by their timeout
            logger.exception("could not invalidate the cached playlist %s", playlist_id)


def playlists_changed(playlist_ids, *, using: str = "default") -> None:
    """Make the cached rows of these playlists unreachable now and again when the transaction commits."""
    ids = [int(pk) for pk in playlist_ids if pk is not None]
    if ids:
        _bump(ids)
        transaction.on_commit(lambda: _bump(ids), using=using)


def on_playlist_changed(sender, instance, using: str = "default", **kwargs) -> None:
    """post_save / post_delete receiver of Playlist."""
    playlists_changed([instance.pk], using=using)
