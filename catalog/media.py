"""Reads and writes around a track's stored media: what may be streamed, flags, object clean-up."""
from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction

from accounts.permissions import user_can_edit_catalog_object
from catalog.covers import cover_key
from catalog.models import ProcessingStatus, Track
from jonquils.storage import bucket_storage, delete_prefix

logger = logging.getLogger("jonquils.catalog")

MISSING_FILE_ERROR = "The audio file of this track is missing from storage; upload it again."


def track_get_playable(*, track_id: int, user) -> Track:
    """A track whose audio and cover the user may fetch: exactly the tracks Track.visible_to(user) holds."""
    track = Track.objects.visible_to(user).select_related("artist").filter(pk=track_id).first()
    if track is None:
        raise ObjectDoesNotExist("No such track.")
    return track


def track_get_downloadable(*, track_id: int, user) -> Track:
    """A visible track whose original file the user may download: its artist's account and admins."""
    track = track_get_playable(track_id=track_id, user=user)
    if not user_can_edit_catalog_object(user, track):
        raise PermissionDenied("Only the track's artist and admins may download the original file.")
    return track


def track_flag_missing_file(*, track: Track) -> Track:
    """Mark a track whose object vanished as failed, with a reason staff can act on."""
    Track.objects.filter(pk=track.pk).update(processing_status=ProcessingStatus.FAILED,
                                             processing_error=MISSING_FILE_ERROR)
    track.processing_status, track.processing_error = ProcessingStatus.FAILED, MISSING_FILE_ERROR
    logger.warning("track %s: object %s is missing from the tracks bucket", track.pk, track.file_path)
    return track


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
