"""Playlist and favourite writes.

Position contract: a playlist's entries hold positions 0..n-1, dense and unique. Every
change of positions runs in one transaction that first locks the playlist row
(SELECT ... FOR UPDATE), so concurrent edits of one playlist apply one after the other;
the (playlist, position) unique constraint is DEFERRED, so entries may be shifted with
one UPDATE and are checked at commit.

Removals close their gap on every path, not only through these services: deleting an artist,
an album's tracks, a track, a user or a queryset of entries cascades to playlist entries, and
the delete receivers below (connected in apps.py) lock each affected playlist before any row
goes (pre_delete) and renumber its remaining entries 0..n-1 in the same transaction once the
entries are deleted (post_delete), once per playlist and deletion.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from accounts.permissions import user_is_admin
from catalog.models import Track
from search.services import search_index_enqueue

from .cache import playlists_changed
from .models import Favorite, Playlist, PlaylistTrack, PlayQueue, PlayQueueEntry
from .signals import track_added_to_playlist, track_liked

_UNSET: Any = object()
MAX_PLAYLIST_ENTRIES = 10_000
MAX_PLAY_QUEUE_ENTRIES = 10_000


def _require_owner(actor, playlist: Playlist) -> None:
    if not (playlist.owner_id == getattr(actor, "pk", None) or user_is_admin(actor)):
        raise PermissionDenied("Only the playlist's owner may change it.")


def _lock_for_edit(*, actor, playlist_id: int) -> Playlist:
    """Lock the playlist row for this transaction; unseen → DoesNotExist, not owned → PermissionDenied."""
    playlist = Playlist.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=playlist_id)
    _require_owner(actor, playlist)
    return playlist


def _touch(playlist: Playlist) -> None:
    Playlist.objects.filter(pk=playlist.pk).update(updated_at=timezone.now())
    playlists_changed([playlist.pk])  # update() sends no post_save
    search_index_enqueue(entity="playlist", ids=[playlist.pk])  # its entry count ranks it


def _entry_count(playlist: Playlist) -> int:
    return PlaylistTrack.objects.filter(playlist=playlist).count()


def _check_position(name: str, position: int, upper: int) -> None:
    if not 0 <= position <= upper:
        raise ValidationError({name: f"Must be from 0 to {upper}."})


def playlist_create(*, owner, title: str, description: str = "", is_public: bool = False) -> Playlist:
    playlist = Playlist(owner=owner, title=title, description=description, is_public=is_public)
    playlist.full_clean()
    playlist.save()
    search_index_enqueue(entity="playlist", ids=[playlist.pk])
    return playlist


@transaction.atomic
def playlist_update(
    *, actor, playlist_id: int, title: str = _UNSET, description: str = _UNSET, is_public: bool = _UNSET
) -> Playlist:
    playlist = _lock_for_edit(actor=actor, playlist_id=playlist_id)
    for field, value in (("title", title), ("description", description), ("is_public", is_public)):
        if value is not _UNSET:
            setattr(playlist, field, value)
    playlist.full_clean()
    playlist.save()
    search_index_enqueue(entity="playlist", ids=[playlist.pk])  # made private: it leaves others' results
    return playlist


@transaction.atomic
def playlist_delete(*, actor, playlist_id: int) -> None:
    _lock_for_edit(actor=actor, playlist_id=playlist_id).delete()
    search_index_enqueue(entity="playlist", ids=[playlist_id])


@transaction.atomic
def playlist_track_add(*, actor, playlist_id: int, track_id: int, position: int | None = None) -> PlaylistTrack:
    """Insert a track at `position` (default: the end); later entries move down by one."""
    playlist = _lock_for_edit(actor=actor, playlist_id=playlist_id)
    track = Track.objects.visible_to(playlist.owner).filter(pk=track_id).first()
    if track is None:
        raise ValidationError({"track_id": "No track with this id."})
    count = _entry_count(playlist)
    if count >= MAX_PLAYLIST_ENTRIES:
        raise ValidationError(f"A playlist holds at most {MAX_PLAYLIST_ENTRIES} tracks.")
    if position is None:
        position = count
    _check_position("position", position, count)
    PlaylistTrack.objects.filter(playlist=playlist, position__gte=position).update(position=F("position") + 1)
    entry = PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
    _touch(playlist)
    transaction.on_commit(lambda: track_added_to_playlist.send(
        sender=PlaylistTrack, user=actor, track=track, playlist=playlist))
    return entry


@transaction.atomic
def playlist_track_remove(*, actor, playlist_id: int, position: int) -> None:
    """Remove the entry at `position`; later entries move up by one (the delete receivers renumber)."""
    playlist = _lock_for_edit(actor=actor, playlist_id=playlist_id)
    deleted, _ = PlaylistTrack.objects.filter(playlist=playlist, position=position).delete()
    if not deleted:
        raise ValidationError({"position": "No entry at this position."})


@transaction.atomic
def playlist_track_move(*, actor, playlist_id: int, from_position: int, to_position: int) -> PlaylistTrack:
    """Move one entry from `from_position` to `to_position`; the entries between shift by one."""
    playlist = _lock_for_edit(actor=actor, playlist_id=playlist_id)
    last = _entry_count(playlist) - 1
    if last < 0:
        raise ValidationError("The playlist is empty.")
    _check_position("from_position", from_position, last)
    _check_position("to_position", to_position, last)
    entry = PlaylistTrack.objects.get(playlist=playlist, position=from_position)
    if from_position < to_position:
        between = {"position__gt": from_position, "position__lte": to_position}
        shift = F("position") - 1
    elif from_position > to_position:
        between = {"position__gte": to_position, "position__lt": from_position}
        shift = F("position") + 1
    else:
        return entry
    PlaylistTrack.objects.filter(playlist=playlist, **between).exclude(pk=entry.pk).update(position=shift)
    entry.position = to_position
    entry.save(update_fields=["position"])
    _touch(playlist)
    return entry


@transaction.atomic
def playlists_drop_track(*, track_id: int) -> None:
    """Remove a track from every playlist and close the gaps (before the track is deleted)."""
    playlist_ids = list(
        Playlist.objects.filter(entries__track_id=track_id).distinct().order_by("pk").values_list("pk", flat=True)
    )
    if not playlist_ids:
        return
    # Lock in id order so two deletions never wait on each other crosswise.
    list(Playlist.objects.filter(pk__in=playlist_ids).order_by("pk").select_for_update().values_list("pk", flat=True))
    PlaylistTrack.objects.filter(playlist_id__in=playlist_ids, track_id=track_id).delete()


def playlists_recompact(*, playlist_ids: list[int], using: str = "default") -> None:
    """Renumber each playlist's entries 0..n-1 in their current order (the caller holds the row locks)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            UPDATE playlist_tracks AS pt SET position = ranked.new_position
            FROM (SELECT id, row_number() OVER (PARTITION BY playlist_id ORDER BY position, id) - 1 AS new_position
                  FROM playlist_tracks WHERE playlist_id = ANY(%s)) AS ranked
            WHERE pt.id = ranked.id AND pt.position <> ranked.new_position
            """,
            [list(playlist_ids)],
        )
    Playlist.objects.using(using).filter(pk__in=playlist_ids).update(updated_at=timezone.now())
    playlists_changed(playlist_ids, using=using)
    search_index_enqueue(entity="playlist", ids=list(playlist_ids))


# --- delete receivers: dense positions whatever removed the entries --------------------------

_STATE_ATTR = "_playlists_entry_deletion"


def _deletion_state(origin) -> dict:
    """What one deletion (one Collector run, named by its `origin`) has locked and is deleting."""
    state = getattr(origin, _STATE_ATTR, None) if origin is not None else None
    if state is None:
        state = {"locked": set(), "deleted_playlists": set()}
        if origin is not None:
            try:
                setattr(origin, _STATE_ATTR, state)
            except AttributeError:  # an origin that takes no attributes: lock and renumber per entry
                pass
    return state


def on_entry_pre_delete(sender, instance: PlaylistTrack, using: str = "default", origin=None, **kwargs) -> None:
    """Lock the entry's playlist before any row of this deletion goes (a concurrent move waits)."""
    state = _deletion_state(origin)
    if instance.playlist_id not in state["locked"]:
        list(Playlist.objects.using(using).select_for_update().filter(pk=instance.playlist_id).values_list("pk"))
        state["locked"].add(instance.playlist_id)


def on_playlist_pre_delete(sender, instance: Playlist, origin=None, **kwargs) -> None:
    """A playlist deleted along with its entries needs no renumbering."""
    _deletion_state(origin)["deleted_playlists"].add(instance.pk)


def on_entry_post_delete(sender, instance: PlaylistTrack, using: str = "default", origin=None, **kwargs) -> None:
    """Renumber the playlist once: every entry of this deletion is gone by the first post_delete."""
    state = _deletion_state(origin)
    if instance.playlist_id not in state["locked"]:
        return  # already renumbered for this deletion
    state["locked"].discard(instance.playlist_id)
    if instance.playlist_id not in state["deleted_playlists"]:
        playlists_recompact(playlist_ids=[instance.playlist_id], using=using)


def favorite_add(*, user, track_id: int) -> tuple[Favorite, bool]:
    """Like a track; liking it again changes nothing (returns created=False)."""
    track = Track.objects.visible_to(user).filter(pk=track_id).first()
    if track is None:
        raise Track.DoesNotExist("No track with this id.")
    favorite, created = Favorite.objects.get_or_create(user=user, track=track)
    if created:
        transaction.on_commit(lambda: track_liked.send(sender=Favorite, user=user, track=track))
    return favorite, created


def favorite_remove(*, user, track_id: int) -> None:
    """Unlike a track; unliking one that is not liked changes nothing."""
    Favorite.objects.filter(user=user, track_id=track_id).delete()


# --- play queue ----------------------------------------------------------------------
# Contract: one PlayQueue row per user, created on first save. Every write locks that row
# (SELECT ... FOR UPDATE), so two clients saving at once apply one after the other and the
# last save wins whole; a save never leaves a queue half-replaced.


def _play_queue_locked(user) -> PlayQueue:
    PlayQueue.objects.get_or_create(user=user)
    return PlayQueue.objects.select_for_update().get(user=user)


def _check_current(current_index: int, position_ms: int, count: int) -> None:
    errors = {}
    if not 0 <= current_index <= max(count - 1, 0):
        errors["current_index"] = f"Must be from 0 to {max(count - 1, 0)}."
    if position_ms < 0:
        errors["position_ms"] = "Must be 0 or more."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def play_queue_save(
    *, user, track_ids: list[int], current_index: int = 0, position_ms: int = 0, client: str = ""
) -> PlayQueue:
    """Replace the user's whole queue (entries in order, the current entry and the offset into it)."""
    if len(track_ids) > MAX_PLAY_QUEUE_ENTRIES:
        raise ValidationError({"track_ids": f"A play queue holds at most {MAX_PLAY_QUEUE_ENTRIES} tracks."})
    _check_current(current_index, position_ms, len(track_ids))
    wanted = set(track_ids)
    known = set(Track.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = sorted(wanted - known)
    if unknown:
        shown = ", ".join(str(track_id) for track_id in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise ValidationError({"track_ids": f"No playable track with the id {shown}{more}."})
    queue = _play_queue_locked(user)
    PlayQueueEntry.objects.filter(queue=queue).delete()
    PlayQueueEntry.objects.bulk_create(
        [PlayQueueEntry(queue=queue, position=position, track_id=track_id) for position, track_id in enumerate(track_ids)],
        batch_size=2_000,
    )
    queue.current_position, queue.position_ms, queue.changed_by = current_index, position_ms, client[:64]
    queue.save()
    return queue


@transaction.atomic
def play_queue_position_save(*, user, current_index: int, position_ms: int, client: str = "") -> PlayQueue:
    """Move the current entry and the offset into it, keeping the entries as they are."""
    queue = _play_queue_locked(user)
    entries = PlayQueueEntry.objects.filter(queue=queue)
    _check_current(current_index, position_ms, entries.count())
    # Positions may have gaps where a track was deleted since: take the index-th entry's position.
    queue.current_position = entries.order_by("position").values_list("position", flat=True)[current_index:current_index + 1].first() or 0
    queue.position_ms, queue.changed_by = position_ms, client[:64]
    queue.save()
    return queue


@transaction.atomic
def play_queue_clear(*, user, client: str = "") -> PlayQueue:
    """Empty the user's queue."""
    return play_queue_save(user=user, track_ids=[], client=client)
