"""Uploads: accept a file into the `tracks` bucket, then turn it into catalog rows.

`upload_create` runs in the request: it checks the file by content, stores it under a
generated key and writes the staging.track_uploads + etl.s3_file_registry rows in one
transaction; processing is enqueued on commit. `upload_process` runs in a Celery worker; it
is idempotent (a second run, or a run racing another, changes nothing once the upload is done).
"""
from __future__ import annotations

import logging
import os
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.audio import AudioRejected, decode_fully, embedded_cover, probe_audio, read_tags
from catalog.covers import CoverRejected, cover_store_for_track, open_cover
from catalog.models import Album, Artist, ProcessingStatus, Track
from etl.models import RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from jonquils.storage import bucket_storage, local_copy, object_stat, save_file

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


def _fail(upload_id: int, reason: str) -> TrackUpload:
    with transaction.atomic():
        upload = TrackUpload.objects.select_for_update().get(pk=upload_id)
        if upload.status == UploadStatus.DONE:
            return upload
        upload.status, upload.error_message = UploadStatus.FAILED, reason
        upload.save(update_fields=["status", "error_message", "updated_at"])
        if upload.registry_entry_id:
            S3FileRegistry.objects.filter(pk=upload.registry_entry_id).update(
                status=RegistryStatus.FAILED, error_message=reason, updated_at=timezone.now())
    return upload


def _artist_for(*, uploader, tag_artist: str) -> Artist:
    if uploader is not None and uploader.is_artist:
        artist = Artist.objects.filter(user=uploader).first()
        if artist is None:
            artist = Artist.objects.create(user=uploader, name=(tag_artist or uploader.get_full_name() or uploader.username)[:255])
        return artist
    name = tag_artist or "Unknown artist"
    artist = Artist.objects.filter(name__iexact=name).order_by("id").first()
    return artist or Artist.objects.create(name=name)


def _album_for(*, artist: Artist, title: str, year: int | None) -> Album | None:
    if not title:
        return None
    album = Album.objects.filter(artist=artist, title__iexact=title).order_by("id").first()
    return album or Album.objects.create(artist=artist, title=title, release_date=date(year, 1, 1) if year else None)


def _title_from_filename(name: str) -> str:
    stem = os.path.splitext(name)[0].replace("_", " ").strip()
    return stem[:255] or "Untitled"


def upload_process(*, upload_id: int) -> TrackUpload:
    """Validate the whole file, read its tags and create or reuse Artist, Album and Track.

    Idempotent: an upload that is done or failed is returned unchanged. The row is locked while
    its state changes; decoding happens outside any transaction, and the final write re-checks
    the state under the lock, so two racing runs create one track.
    """
    with transaction.atomic():
        upload = TrackUpload.objects.select_for_update().get(pk=upload_id)
        if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
            return upload
        upload.status = UploadStatus.PROCESSING
        upload.save(update_fields=["status", "updated_at"])
        if upload.registry_entry_id:
            registry = S3FileRegistry.objects.select_for_update().get(pk=upload.registry_entry_id)
            registry.status, registry.attempts = RegistryStatus.PROCESSING, registry.attempts + 1
            registry.save(update_fields=["status", "attempts", "updated_at"])

    storage = bucket_storage(TRACKS_BUCKET)
    key = upload.s3_path
    if object_stat(storage, key) is None:
        return _fail(upload_id, "The uploaded file is no longer in storage; upload it again.")
    try:
        with local_copy(storage, key, suffix=os.path.splitext(key)[1]) as path:
            info = probe_audio(path)
            decoded_s = decode_fully(path, declared_s=info.duration_s)
            tags = read_tags(path)
            cover_bytes = embedded_cover(path)
    except AudioRejected as exc:
        return _fail(upload_id, str(exc))

    with transaction.atomic():
        upload = TrackUpload.objects.select_for_update().get(pk=upload_id)  # no join: FOR UPDATE on a schema table
        if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
            return upload
        artist = _artist_for(uploader=upload.uploader, tag_artist=tags["artist"])
        album = _album_for(artist=artist, title=tags["album"], year=tags["year"])
        track = Track.objects.filter(artist=artist, checksum=upload.checksum).order_by("id").first()
        if track is None:
            track = Track.objects.create(
                artist=artist, album=album, title=tags["title"] or _title_from_filename(upload.original_filename),
                track_number=tags["track_number"], duration_ms=max(1, round(decoded_s * 1000)),
                file_path=key, file_size=upload.file_size, mime_type=info.format.mime_type,
                checksum=upload.checksum, processing_status=ProcessingStatus.READY,
            )
        upload.track, upload.status, upload.error_message = track, UploadStatus.DONE, ""
        upload.metadata = {**upload.metadata, "tags": tags, "decoded_s": round(decoded_s, 3)}
        upload.save(update_fields=["track", "status", "error_message", "metadata", "updated_at"])
        if upload.registry_entry_id:
            S3FileRegistry.objects.filter(pk=upload.registry_entry_id).update(
                status=RegistryStatus.PROCESSED, track=track, error_message="",
                processed_at=timezone.now(), updated_at=timezone.now())

    _attach_cover(upload=upload, track=track, embedded=cover_bytes)
    return upload


def _attach_cover(*, upload: TrackUpload, track: Track, embedded: bytes | None) -> None:
    """Make the track's thumbnails from the uploaded cover, else the embedded art; note a refusal."""
    temp = bucket_storage("temp")
    uploaded_key = upload.metadata.get("cover_key")
    data = None
    if uploaded_key and object_stat(temp, uploaded_key) is not None:
        with temp.open(uploaded_key, "rb") as handle:
            data = handle.read()
    data = data or embedded
    if not data:
        return
    try:
        keys = cover_store_for_track(track_id=track.pk, data=data)
        note = {"cover_keys": keys}
    except CoverRejected as exc:
        note = {"cover_error": f"The cover art was not used: {exc}"}
    if uploaded_key:
        temp.delete(uploaded_key)
    TrackUpload.objects.filter(pk=upload.pk).update(metadata={**upload.metadata, **note})
    upload.metadata = {**upload.metadata, **note}
