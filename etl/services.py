"""Uploads: accept a file into the `tracks` bucket, then turn it into catalog rows.

`upload_create` runs in the request: it checks the file by content, stores it under a
generated key and writes the staging.track_uploads + etl.s3_file_registry rows in one
transaction; processing is enqueued on commit, and a broker outage then leaves the upload pending
(never deleted) for the sweep (`upload_sweep_stale`, the pipeline's process step). `upload_process` runs in a Celery worker; it
is idempotent (a second run, or a run racing another, changes nothing once the upload is done).
"""
from __future__ import annotations

import logging
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.audio import AudioRejected, probe_audio
from catalog.covers import CoverRejected, open_cover
from catalog.models import Track
from etl.models import EtlJob, RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
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
                  file_size: int, cover_path: str | Path | None = None, source_url: str = "",
                  into: TrackUpload | None = None) -> UploadResult:
    """Check, store and register one uploaded file; enqueue its processing once committed.

    Raises ValidationError (field `file` or `cover`) for what can be told at once; in that case no
    object and no row is left behind. `into` is an upload row that already exists (a URL upload
    whose download just finished): it is filled in instead of a new row being created.
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
    if prior is not None and track is None and into is None:
        # The same file is still in flight: enqueue it again (processing is idempotent), so a
        # client retrying after an outage gets its first upload moving rather than stuck.
        transaction.on_commit(partial(upload_enqueue, upload_id=prior.pk))
        return UploadResult(upload=prior, duplicate=True)
    if track is not None:
        fields = {"original_filename": name, "s3_path": track.file_path, "status": UploadStatus.DONE,
                  "checksum": checksum, "file_size": file_size, "track": track,
                  "registry_entry": prior.registry_entry if prior else None}
        metadata = {"duplicate_of_track": track.pk, "format": info.format.name}
        return UploadResult(upload=_upload_save(into, uploader=uploader, fields=fields, metadata=metadata),
                            duplicate=True)

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
            upload = _upload_save(into, uploader=uploader, fields={
                "original_filename": name, "s3_path": key, "status": UploadStatus.PENDING, "checksum": checksum,
                "file_size": file_size, "registry_entry": registry,
            }, metadata={"format": info.format.name, "mime_type": info.format.mime_type,
                         "duration_s": round(info.duration_s, 3), "sample_rate": info.sample_rate,
                         "channels": info.channels, "cover_key": cover_key, "source_url": source_url or None})
    except BaseException:
        # Only reached when the rows were not written (the atomic block rolled back): the objects
        # are nobody's. Once the rows exist, the objects are never deleted here.
        storage.delete(key)
        if cover_key:
            bucket_storage("temp").delete(cover_key)
        raise
    transaction.on_commit(partial(upload_enqueue, upload_id=upload.pk))
    return UploadResult(upload=upload, duplicate=False)


def _upload_save(into: TrackUpload | None, *, uploader, fields: dict, metadata: dict) -> TrackUpload:
    """Create the upload row, or fill in the given one (its metadata merged, not replaced)."""
    if into is None:
        return TrackUpload.objects.create(uploader=uploader, metadata=metadata, **fields)
    for name, value in fields.items():
        setattr(into, name, value)
    into.metadata = {**into.metadata, **metadata}
    into.error_message = ""
    into.save()
    return into


def upload_enqueue(*, upload_id: int) -> bool:
    """Send an upload's processing to the workers; on a broker failure log it and return False.

    Meant for transaction.on_commit: the rows are committed by then, so a broker outage must
    neither fail the request nor undo anything. The upload stays pending and the sweep
    (upload_sweep_stale, the pipeline's process step) picks it up later.
    """
    from etl.tasks import process_upload_task

    try:
        process_upload_task.delay(upload_id)
    except Exception as exc:  # kombu raises OperationalError, OSError, redis errors... all mean "not queued"
        logger.warning("upload %s stored but not queued (broker unavailable: %s); the sweep will process it",
                       upload_id, exc, extra={"upload_id": upload_id})
        return False
    return True


# --- uploads from a URL ---------------------------------------------------------------------
# A URL upload is a TrackUpload row from the start: pending, no object yet, and a `fetch` entry in
# its metadata that the status endpoint shows: {"state": queued | downloading | stored | failed,
# "bytes_received", "bytes_expected", "claim"}. The download runs in a worker (upload_fetch).

FETCH_QUEUED, FETCH_DOWNLOADING, FETCH_STORED, FETCH_FAILED = "queued", "downloading", "stored", "failed"
PROGRESS_EVERY_S = 0.5


def fetch_stale_after() -> timedelta:
    """A `downloading` claim not refreshed for this long belongs to a dead worker (no download outlives the deadline)."""
    return timedelta(seconds=settings.URL_FETCH_TIMEOUT_S + 60)


def upload_from_url_create(*, uploader, url: str) -> TrackUpload:
    """Check the URL at once (scheme, credentials, addresses) and queue its download; never fetch here.

    Raises ValidationError (field `url`) for a URL the guard refuses; nothing is written then.
    The worker checks again when it connects (that check pins the address it connects to).
    """
    from catalog.url_fetch import FetchRefused, check_url

    try:
        check_url(url)
    except FetchRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc
    name = display_filename(unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "download")
    upload = TrackUpload.objects.create(
        uploader=uploader, original_filename=name, s3_path="", status=UploadStatus.PENDING,
        metadata={"source_url": url, "requested_url": url,
                  "fetch": {"state": FETCH_QUEUED, "bytes_received": 0, "bytes_expected": None}},
    )
    transaction.on_commit(partial(upload_fetch_enqueue, upload_id=upload.pk))
    return upload


def upload_fetch_enqueue(*, upload_id: int) -> bool:
    """Send a URL upload's download to the workers; on a broker failure log it and return False (the sweep retries)."""
    from etl.tasks import fetch_upload_url_task

    try:
        fetch_upload_url_task.delay(upload_id)
    except Exception as exc:  # any broker failure: the upload stays queued for the sweep
        logger.warning("URL upload %s not queued (broker unavailable: %s); the sweep will fetch it",
                       upload_id, exc, extra={"upload_id": upload_id})
        return False
    return True


def _fetch_claim(upload_id: int) -> str | None:
    """Take the download of a queued (or abandoned) URL upload; the claim token, or None when not ours to do."""
    with transaction.atomic():
        upload = TrackUpload.objects.select_for_update().filter(pk=upload_id).first()
        fetch = (upload.metadata or {}).get("fetch") if upload else None
        if upload is None or upload.status != UploadStatus.PENDING or not fetch or upload.registry_entry_id:
            return None
        live = fetch["state"] == FETCH_DOWNLOADING and upload.updated_at > timezone.now() - fetch_stale_after()
        if fetch["state"] not in (FETCH_QUEUED, FETCH_DOWNLOADING) or live:
            return None
        claim = uuid.uuid4().hex
        upload.metadata = {**upload.metadata, "fetch": {**fetch, "state": FETCH_DOWNLOADING, "claim": claim,
                                                        "bytes_received": 0, "bytes_expected": None}}
        upload.save(update_fields=["metadata", "updated_at"])
        return claim


def _fetch_note(upload_id: int, claim: str, **changes) -> bool:
    """Update the fetch entry of an upload we hold the claim of (status, error and fetch fields)."""
    with transaction.atomic():
        upload = TrackUpload.objects.select_for_update().filter(pk=upload_id, metadata__fetch__claim=claim).first()
        if upload is None:
            return False
        fetch = {**upload.metadata["fetch"], **changes.pop("fetch", {})}
        upload.metadata = {**upload.metadata, "fetch": fetch}
        for name, value in changes.items():
            setattr(upload, name, value)
        upload.save()
        return True


def upload_fetch(*, upload_id: int) -> TrackUpload:
    """Download a URL upload behind the SSRF guard and the total deadline, then store it like any upload.

    Idempotent: an upload already fetched, failed, or being fetched by a live worker is returned
    unchanged. A refused or failed download, or a file that is not audio, ends `failed` with the
    reason; a transient storage or database error gives the claim back and is re-raised (retry).
    """
    from catalog.url_fetch import FetchRefused, fetch_url

    claim = _fetch_claim(upload_id)
    if claim is None:
        return TrackUpload.objects.get(pk=upload_id)
    upload = TrackUpload.objects.get(pk=upload_id)
    seen = {"received": 0, "expected": None, "written_at": 0.0}

    def progress(received: int, expected: int | None) -> None:
        seen.update(received=received, expected=expected)
        if time.monotonic() - seen["written_at"] >= PROGRESS_EVERY_S:  # a row update at most twice a second
            seen["written_at"] = time.monotonic()
            _fetch_note(upload_id, claim, fetch={"bytes_received": received, "bytes_expected": expected})

    try:
        fetched = fetch_url(upload.metadata["requested_url"], max_bytes=settings.UPLOAD_MAX_BYTES,
                            on_progress=progress)
    except FetchRefused as exc:
        _fetch_note(upload_id, claim, status=UploadStatus.FAILED, error_message=str(exc),
                    fetch={"state": FETCH_FAILED, "bytes_received": seen["received"],
                           "bytes_expected": seen["expected"]})
        return TrackUpload.objects.get(pk=upload_id)
    done = {"state": FETCH_STORED, "bytes_received": fetched.size, "bytes_expected": fetched.size}
    try:
        with fetched.file:
            with transaction.atomic():
                upload = TrackUpload.objects.select_for_update().get(pk=upload_id, metadata__fetch__claim=claim)
                upload.metadata = {**upload.metadata, "fetch": {**upload.metadata["fetch"], **done}}
                upload_create(uploader=upload.uploader, source_path=fetched.file.name,
                              original_filename=fetched.filename, checksum=fetched.sha256,
                              file_size=fetched.size, source_url=fetched.url, into=upload)
    except ValidationError as exc:
        reason = " ".join(message for messages in exc.message_dict.values() for message in messages)
        _fetch_note(upload_id, claim, status=UploadStatus.FAILED, error_message=reason,
                    fetch={**done, "state": FETCH_FAILED})
    except TrackUpload.DoesNotExist:
        pass  # another worker took the claim over (ours was judged dead): it finishes the upload
    except Exception:
        _fetch_note(upload_id, claim, fetch={"state": FETCH_QUEUED})  # give it back for the retry
        raise
    return TrackUpload.objects.get(pk=upload_id)


# --- the sweep --------------------------------------------------------------------------------


def upload_sweep_stale(*, older_than_s: float | None = None, inline: bool = False) -> dict:
    """Pick up uploads whose task never ran (broker outage) or whose worker died; return counts.

    Looks at uploads pending for longer than `older_than_s` (UPLOAD_REQUEUE_AFTER_S) with no live
    claim: URL uploads still waiting for their download, and stored uploads whose registry entry is
    still claimable. By default each is enqueued again (stopping at the first broker failure) and its
    `updated_at` touched, so the next sweep waits its turn; with `inline=True` (the pipeline run)
    downloads happen here, and stored files are left to the process step, which claims them itself.
    """
    from etl.pipeline.process import claimable

    older_than_s = settings.UPLOAD_REQUEUE_AFTER_S if older_than_s is None else older_than_s
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_s)
    stale = TrackUpload.objects.filter(status=UploadStatus.PENDING, updated_at__lt=cutoff).order_by("id")
    fetches = [upload.pk for upload in stale.filter(registry_entry__isnull=True, metadata__has_key="fetch")
               if upload.metadata["fetch"].get("state") == FETCH_QUEUED
               or (upload.metadata["fetch"].get("state") == FETCH_DOWNLOADING
                   and upload.updated_at < now - fetch_stale_after())]
    files = list(stale.filter(registry_entry__in=S3FileRegistry.objects.filter(claimable()))
                 .values_list("pk", flat=True))
    counts = {"fetches": len(fetches), "files": len(files), "queued": 0, "fetched": 0, "broker_down": False}
    if inline:
        for upload_id in fetches:
            upload_fetch(upload_id=upload_id)
            counts["fetched"] += 1
        return counts
    for enqueue, ids in ((upload_fetch_enqueue, fetches), (upload_enqueue, files)):
        for upload_id in ids:
            if not enqueue(upload_id=upload_id):
                counts["broker_down"] = True
                return counts
            TrackUpload.objects.filter(pk=upload_id).update(updated_at=timezone.now())
            counts["queued"] += 1
    if fetches or files:
        logger.info("sweep: %(queued)s stale uploads queued again", counts, extra={"step": "sweep", **counts})
    return counts


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
    if upload.registry_entry_id is None and (upload.metadata or {}).get("fetch", {}).get("state") in (
            FETCH_QUEUED, FETCH_DOWNLOADING):
        return upload  # a URL upload still downloading: upload_fetch stores it and enqueues this again
    if upload.registry_entry_id is None:
        TrackUpload.objects.filter(pk=upload_id).update(
            status=UploadStatus.FAILED, error_message="The upload has no stored file; upload it again.")
    else:
        registry_entry_process(registry_id=upload.registry_entry_id, on_error="release")
    upload.refresh_from_db()
    return upload


# --- staff (admin) ------------------------------------------------------------------------------


def pipeline_run_now(*, actor) -> EtlJob:
    """Start a pipeline run in a worker now; its etl_jobs row exists (running) before this returns."""
    from accounts.permissions import user_is_admin
    from etl.pipeline.run import PIPELINE, STEPS, job_start
    from etl.tasks import music_etl_pipeline_task

    if not user_is_admin(actor):
        raise PermissionDenied("Only admins may start the pipeline.")
    job_id = job_start(job_name=PIPELINE, details={"steps": list(STEPS), "limit": None,
                                                   "requested_by": actor.username})
    transaction.on_commit(lambda: music_etl_pipeline_task.delay(job_id=job_id))
    return EtlJob.objects.get(pk=job_id)


@transaction.atomic
def registry_entries_retry(*, actor, registry_ids) -> int:
    """Make failed registry entries (and their uploads) pending again and queue them; return how many.

    An entry with an upload is processed by a worker at once; one without (a file dropped into
    the bucket) waits for the next pipeline run.
    """
    from accounts.permissions import user_is_admin

    if not user_is_admin(actor):
        raise PermissionDenied("Only admins may retry files.")
    ids = list(S3FileRegistry.objects.select_for_update().filter(pk__in=[int(i) for i in registry_ids],
                                                                 status=RegistryStatus.FAILED).values_list("pk", flat=True))
    now = timezone.now()
    S3FileRegistry.objects.filter(pk__in=ids).update(status=RegistryStatus.PENDING, error_message="", updated_at=now)
    uploads = list(TrackUpload.objects.filter(registry_entry_id__in=ids, status=UploadStatus.FAILED)
                   .values_list("pk", flat=True))
    TrackUpload.objects.filter(pk__in=uploads).update(status=UploadStatus.PENDING, error_message="", updated_at=now)
    for upload_id in uploads:
        transaction.on_commit(lambda upload_id=upload_id: upload_enqueue(upload_id=upload_id))
    return len(ids)
