"""Reads and writes around a track's stored media: what may be streamed, storage failures, object clean-up.

Reading media never changes the catalog: a GET that finds no object answers MediaMissing
(404), one whose storage fails answers StorageUnavailable (503). Only the data-quality check
of the pipeline (etl/pipeline/monitoring/missing.py), after re-checking, flags a track whose object
is gone (`track_flag_missing_file`).
"""
from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction

from accounts.permissions import user_can_edit_catalog_object, user_is_admin
from catalog.cache import catalog_cache_invalidate
from catalog.covers import cover_key
from catalog.models import ProcessingStatus, Track
from jonquils.storage import ObjectStat, StorageUnavailable, bucket_storage, delete_prefix, iter_range, object_stat

logger = logging.getLogger("jonquils.catalog")

MISSING_FILE_ERROR = "The audio file of this track is missing from storage; upload it again."
_S3_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class MediaMissing(ObjectDoesNotExist):
    """The object is not in storage (deleted by hand, wrong prefix): 404, nothing is changed."""




@contextmanager
def storage_errors(*, key: str, missing: str = "The object is missing from storage.") -> Iterator[None]:
    """Turn what a storage call raises into MediaMissing or StorageUnavailable (logged)."""
    try:
        yield
    except FileNotFoundError as exc:
        raise MediaMissing(missing) from exc
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in _S3_MISSING_CODES:
            raise MediaMissing(missing) from exc
        logger.warning("storage refused a read of %s: %s", key, exc)
        raise StorageUnavailable("The storage did not answer; try again in a moment.") from exc
    except (OSError, BotoCoreError) as exc:
        logger.warning("storage failed reading %s: %s: %s", key, type(exc).__name__, exc)
        raise StorageUnavailable("The storage did not answer; try again in a moment.") from exc


def media_stat(storage, key: str, *, missing: str = "The object is missing from storage.") -> ObjectStat:
    """Size and date of a stored object; MediaMissing when absent, StorageUnavailable when storage fails."""
    with storage_errors(key=key, missing=missing):
        stat = object_stat(storage, key) if key else None
    if stat is None:
        raise MediaMissing(missing)
    return stat


def media_open_range(storage, key: str, start: int, end: int) -> Iterator[bytes]:
    """The bytes start..end of an object, its first chunk already read so failures surface before headers go out."""
    chunks = iter_range(storage, key, start, end)
    with storage_errors(key=key):
        first = next(chunks, None)
    if first is None:
        return iter(())
    return itertools.chain((first,), chunks)


def track_get_playable(*, track_id: int, user) -> Track:
    """A track whose audio and cover the user may fetch: exactly the tracks Track.visible_to(user) holds."""
    from .selectors import tracks_visible_by_id

    track = tracks_visible_by_id(user=user, track_ids=[track_id]).get(track_id)
    if track is None:
        raise ObjectDoesNotExist("No such track.")
    return track


def track_get_downloadable(*, track_id: int, user) -> Track:
    """A visible track whose original file the user may download: its artist's account and admins."""
    track = track_get_playable(track_id=track_id, user=user)
    if not user_can_edit_catalog_object(user, track):
        raise PermissionDenied("Only the track's artist and admins may download the original file.")
    return track


def track_flag_missing_file(*, track_id: int, file_path: str) -> bool:
    """Mark a ready track whose object is confirmed gone as failed, with a reason staff can act on.

    Called by the data-quality check only, never by a request. Changes nothing when the track
    moved on meanwhile (another file, another state); returns whether it flagged the track.
    """
    flagged = Track.objects.filter(pk=track_id, file_path=file_path, processing_status=ProcessingStatus.READY).update(
        processing_status=ProcessingStatus.FAILED, processing_error=MISSING_FILE_ERROR)
    if flagged:
        logger.warning("track %s: object %s is missing from the tracks bucket; flagged failed", track_id, file_path)
        catalog_cache_invalidate()
    return bool(flagged)


def track_display_filename(*, track: Track) -> str:
    """The name the file was uploaded under, else '<title>.<ext>'."""
    upload = track.uploads.order_by("created_at").only("original_filename").first()
    if upload and upload.original_filename:
        return upload.original_filename
    ext = track.file_path.rsplit(".", 1)[-1] if "." in track.file_path else "audio"
    return f"{track.title}.{ext}"


def track_media_delete(*, track_id: int, file_path: str, checksum: str) -> None:
    """Delete a deleted track's original, covers and (when no other track shares the bytes) transcodes."""
    from catalog.transcode import transcodes_delete

    if file_path and not Track.objects.filter(file_path=file_path).exists():
        bucket_storage("tracks").delete(file_path)
    delete_prefix(bucket_storage("covers"), cover_key(track_id, 0).rsplit("/", 1)[0] + "/")
    if checksum and not Track.objects.filter(checksum=checksum).exists():
        transcodes_delete(checksum=checksum)


def on_track_deleted(sender, instance: Track, **kwargs) -> None:
    """post_delete receiver: remove the objects once the deletion is committed (never before)."""
    track_id, file_path, checksum = instance.pk, instance.file_path, instance.checksum

    def _delete():
        try:
            track_media_delete(track_id=track_id, file_path=file_path, checksum=checksum)
        except Exception:  # noqa: BLE001 - a storage hiccup must not break the deletion itself
            logger.exception("could not delete the objects of deleted track %s", track_id)

    transaction.on_commit(_delete)
