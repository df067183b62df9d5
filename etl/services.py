"""Uploads: accept a file into the `tracks` bucket, then turn it into catalog rows.

`upload_create` runs in the request: it checks the file by content, stores it under a
generated key and writes the staging.track_uploads + etl.s3_file_registry rows in one
transaction; processing is enqueued on commit. `upload_process` runs in a Celery worker; it
is idempotent (a second run, or a run racing another, changes nothing once the upload is done).
"""
from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.audio import AudioRejected, probe_audio
from catalog.covers import CoverRejected, open_cover
from catalog.models import Track
from etl.models import RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from jonquils.storage import bucket_storage, save_file

logger = logging.getLogger("jonquils.etl")

TRACKS_BUCKET = "tracks"
FILENAME_MAX_CHARS = 255


def display_filename(name: str | None) -> str:
    """Keep a filename for display only: no NUL or control characters, no path parts, ≤ 255 chars."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    if text.strip(".") == "":
        return "upload"
    if len(text) > FILENAME_MAX_CHARS:
        stem, dot, ext = text.rpartition(".")
        ext = f".{ext}" if dot and 0 < len(ext) <= 16 else ""
        stem = stem if ext else text
        text = stem[: FILENAME_MAX_CHARS - len(ext)] + ext
    return text


def _new_key(extension: str) -> str:
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token}.{extension}"


@dataclass(frozen=True)
class UploadResult:
    upload: TrackUpload
    duplicate: bool


def _duplicate_of(*, uploader, checksum: str) -> tuple[TrackUpload | None, Track | None]:
    """An earlier upload (in flight or done) or track of this uploader with the same bytes."""
    prior = (TrackUpload.objects.filter(uploader=uploader, checksum=checksum)
             .exclude(status=UploadStatus.FAILED).select_related("track").order_by("-created_at").first())
    if prior and prior.status in (UploadStatus.PENDING, UploadStatus.PROCESSING):
        return prior, None
    if prior and prior.track_id:
        return prior, prior.track
    track = Track.objects.filter(artist__user=uploader, checksum=checksum).order_by("id").first()
    return None, track


def upload_create(*, uploader, source_path: str | Path, original_filename: str, checksum: str,
                  file_size: int, cover_path: str | Path | None = None, source_url: str = "") -> UploadResult:
    """Check, store and register one uploaded file; enqueue its processing once committed.

    Raises ValidationError (field `file` or `cover`) for what can be told at once; in that case no
    object and no row is left behind.
    """
    name = display_filename(original_filename)
    if file_size <= 0:
        raise ValidationError({"file": "The file is empty; choose an audio file with sound in it."})
    try:
        info = probe_audio(source_path)
    except AudioRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    cover_bytes = None
    if cover_path is not None:
        cover_bytes = Path(cover_path).read_bytes()
        try:
            open_cover(cover_bytes)
        except CoverRejected as exc:
            raise ValidationError({"cover": str(exc)}) from exc

    prior, track = _duplicate_of(uploader=uploader, checksum=checksum)
    if prior is not None and track is None:
        return UploadResult(upload=prior, duplicate=True)
    if track is not None:
        upload = TrackUpload.objects.create(
            uploader=uploader, original_filename=name, s3_path=track.file_path, status=UploadStatus.DONE,
            checksum=checksum, file_size=file_size, track=track,
            registry_entry=prior.registry_entry if prior else None,
            metadata={"duplicate_of_track": track.pk, "format": info.format.name},
        )
        return UploadResult(upload=upload, duplicate=True)

    storage = bucket_storage(TRACKS_BUCKET)
    key = _new_key(info.format.extension)
    cover_key = None
    save_file(storage, key, source_path, content_type=info.format.mime_type)
    try:
        if cover_bytes is not None:
            cover_key = f"uploads/{uuid.uuid4().hex}.cover"
            save_file(bucket_storage("temp"), cover_key, cover_path, content_type="application/octet-stream")
        with transaction.atomic():
            registry = S3FileRegistry.objects.create(
                bucket_name=TRACKS_BUCKET, file_path=key, status=RegistryStatus.PENDING,
                checksum=checksum, file_size=file_size,
            )
            upload = TrackUpload.objects.create(
                uploader=uploader, original_filename=name, s3_path=key, status=UploadStatus.PENDING,
                checksum=checksum, file_size=file_size, registry_entry=registry,
                metadata={"format": info.format.name, "mime_type": info.format.mime_type,
                          "duration_s": round(info.duration_s, 3), "sample_rate": info.sample_rate,
                          "channels": info.channels, "cover_key": cover_key, "source_url": source_url or None},
            )
            transaction.on_commit(lambda: _enqueue(upload.pk))
    except BaseException:
        storage.delete(key)
        if cover_key:
            bucket_storage("temp").delete(cover_key)
        raise
    return UploadResult(upload=upload, duplicate=False)


def _enqueue(upload_id: int) -> None:
    from etl.tasks import process_upload_task

    process_upload_task.delay(upload_id)


# --- processing ------------------------------------------------------------------------------


def upload_process(*, upload_id: int) -> TrackUpload:
    """Process one upload: the shared per-file step (etl.pipeline.process) on its registry entry.

    Idempotent: an upload that is done or failed is returned unchanged; if a pipeline run holds the
    file, that run finishes it. A transient error gives the claim back and is re-raised (Celery retries).
    """
    from etl.pipeline.process import registry_entry_process

    upload = TrackUpload.objects.get(pk=upload_id)
    if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
        return upload
    if upload.registry_entry_id is None:
        TrackUpload.objects.filter(pk=upload_id).update(
            status=UploadStatus.FAILED, error_message="The upload has no stored file; upload it again.")
    else:
        registry_entry_process(registry_id=upload.registry_entry_id, on_error="release")
    upload.refresh_from_db()
    return upload
