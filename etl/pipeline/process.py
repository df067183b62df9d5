"""One registry entry → catalog rows: the per-file work shared by uploads and hand-dropped files.

Contract (locking, idempotency):
- A file is *claimed* by moving its etl.s3_file_registry row from `pending` (or `processing` left
  stale by a dead worker) to `processing` under the row lock; `attempts` is incremented and its
  new value is the claim token. Whoever does not hold the current token changes nothing.
- Reading and decoding happen outside any transaction; the load is one transaction per file
  that re-checks the token under the lock, so a late or duplicate run creates nothing.
- Artist/album/track rows are found-or-created under a PostgreSQL advisory lock keyed on the
  artist, so two workers loading different files of the same artist never create it twice.
"""
from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.audio import AudioInfo, AudioRejected, decode_for_analysis, probe_audio, read_tags_and_cover
from catalog.cache import catalog_cache_invalidate
from catalog.models import Album, AlbumArtist, Artist, CreditRole, Genre, ProcessingStatus, Track, TrackArtist
from etl.audio.features import analyse
from etl.audio.genre_model import genre_predict
from etl.models import RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from jonquils.storage import bucket_storage, local_copy, object_stat
from search.services import search_index_enqueue, search_index_track_changes

ANALYSIS_SAMPLE_RATE = 22_050
_MULTILINE = {"lyrics", "synced_lyrics"}  # kept line by line, not collapsed like titles
_REPLAY_GAIN = ("replay_gain_track_db", "replay_gain_track_peak", "replay_gain_album_db", "replay_gain_album_peak")

logger = logging.getLogger("jonquils.etl")

TRACKS_BUCKET = "tracks"
UNKNOWN_ARTIST = "Unknown artist"
# A `processing` row not touched for this long belongs to a worker that died: it may be claimed again.
STALE_CLAIM = timedelta(hours=1)
HASH_CHUNK = 1024 * 1024


@dataclass
class FileFacts:
    """What reading one file yields; `track_fields` are extra Track columns (audio features, genre)."""

    info: AudioInfo
    decoded_s: float
    tags: dict
    cover: bytes | None
    checksum: str
    track_fields: dict = field(default_factory=dict)


def normalise_text(text: str | None) -> str:
    """NFC, printable characters only, inner whitespace collapsed, trimmed."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def title_from_filename(name: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0].replace("_", " ")
    return normalise_text(stem)[:255] or "Untitled"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_file(path: Path, *, checksum: str = "") -> FileFacts:
    """Validate by decoding the whole file, read tags and cover, measure the audio; raise AudioRejected for bad audio.

    The decode that validates the file also yields the excerpts the features are measured on
    (catalog.audio.analysis_windows, etl/audio/features.py); without a genre tag, the genre model's guess goes into
    `track_fields` when it is confident enough (its id and confidence).
    """
    info = probe_audio(path)
    decoded_s, excerpts = decode_for_analysis(path, declared_s=info.duration_s, sample_rate=ANALYSIS_SAMPLE_RATE)
    tags, cover = read_tags_and_cover(path)
    tags = {key: normalise_text(value) if isinstance(value, str) and key not in _MULTILINE else value
            for key, value in tags.items()}
    features = analyse(excerpts, ANALYSIS_SAMPLE_RATE)
    track_fields = {
        "tempo": features.tempo_bpm, "energy": features.energy, "valence": features.valence,
        "loudness_db": features.loudness_db, "feature_vector": features.vector,
        "disc_number": tags.get("disc_number"), "isrc": tags.get("isrc") or "",
        "musicbrainz_recording_id": tags.get("musicbrainz_recording_id") or None,
        "audio_format": info.format.name, "album_artist_name": tags.get("album_artist") or "",
        "is_compilation": bool(tags.get("compilation")), "lyrics": tags.get("lyrics") or "",
        "synced_lyrics": tags.get("synced_lyrics") or "",
        **{key: tags.get(key) for key in _REPLAY_GAIN},
    }
    if not tags.get("genre"):
        predicted = genre_predict(vector=features.vector)
        if predicted is not None:
            track_fields["genre_id"], track_fields["genre_confidence"] = predicted[0].pk, predicted[1]
    return FileFacts(info=info, decoded_s=decoded_s, tags=tags, cover=cover,
                     checksum=checksum or _sha256(path), track_fields=track_fields)


def _genre_for_tag(name: str) -> Genre | None:
    """The genre a tag names, matched without regard to case; created when new."""
    name = normalise_text(name)[:100]
    if not name:
        return None
    genre = Genre.objects.filter(name__iexact=name).first()
    if genre is None:
        try:
            with transaction.atomic():  # a savepoint: another worker may create it at the same moment
                genre = Genre.objects.create(name=name)
        except IntegrityError:
            genre = Genre.objects.get(name__iexact=name)
    return genre


# --- claiming --------------------------------------------------------------------------------


def claimable() -> Q:
    """Rows a run may take: pending, or processing but abandoned for longer than STALE_CLAIM."""
    return Q(status=RegistryStatus.PENDING) | Q(status=RegistryStatus.PROCESSING,
                                                 updated_at__lt=timezone.now() - STALE_CLAIM)


def _mark_claimed(entry: S3FileRegistry) -> int:
    """Move a locked row to processing (and its upload, if any); return the claim token."""
    entry.status, entry.attempts, entry.error_message = RegistryStatus.PROCESSING, entry.attempts + 1, ""
    entry.save(update_fields=["status", "attempts", "error_message", "updated_at"])
    TrackUpload.objects.filter(registry_entry_id=entry.pk, status=UploadStatus.PENDING).update(
        status=UploadStatus.PROCESSING, updated_at=timezone.now())
    return entry.attempts


def claim_entry(*, registry_id: int) -> int | None:
    """Claim one given row (waiting for its lock); None when it is not claimable."""
    with transaction.atomic():
        entry = S3FileRegistry.objects.select_for_update().filter(claimable(), pk=registry_id).first()
        return _mark_claimed(entry) if entry else None


def claim_next(*, bucket: str = TRACKS_BUCKET) -> tuple[int, int] | None:
    """Claim the oldest claimable row nobody else holds (SKIP LOCKED); (registry id, token) or None."""
    with transaction.atomic():
        entry = (S3FileRegistry.objects.select_for_update(skip_locked=True)
                 .filter(claimable(), bucket_name=bucket).order_by("id").first())
        return (entry.pk, _mark_claimed(entry)) if entry else None


def _locked_if_claimed(registry_id: int, token: int) -> S3FileRegistry | None:
    entry = S3FileRegistry.objects.select_for_update().get(pk=registry_id)
    if entry.status != RegistryStatus.PROCESSING or entry.attempts != token:
        return None
    return entry


def _fail(registry_id: int, token: int, reason: str) -> None:
    with transaction.atomic():
        entry = _locked_if_claimed(registry_id, token)
        if entry is None:
            return
        S3FileRegistry.objects.filter(pk=registry_id).update(
            status=RegistryStatus.FAILED, error_message=reason, updated_at=timezone.now())
        TrackUpload.objects.filter(registry_entry_id=registry_id).exclude(status=UploadStatus.DONE).update(
            status=UploadStatus.FAILED, error_message=reason, updated_at=timezone.now())


def _release(registry_id: int, token: int) -> None:
    """Give a claim back (a transient error: the caller retries), leaving the row pending."""
    with transaction.atomic():
        if _locked_if_claimed(registry_id, token) is not None:
            S3FileRegistry.objects.filter(pk=registry_id).update(status=RegistryStatus.PENDING, updated_at=timezone.now())
            TrackUpload.objects.filter(registry_entry_id=registry_id, status=UploadStatus.PROCESSING).update(
                status=UploadStatus.PENDING, updated_at=timezone.now())


# --- loading ---------------------------------------------------------------------------------


def _advisory_lock(key: str) -> None:
    """Serialise find-or-create of one artist's rows until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"jonquils.artist:{key}"])


def _artist_for(*, uploader, tag_artist: str) -> Artist:
    """The uploading artist's profile; else (admins, listeners, hand-dropped files) the tag's artist."""
    if uploader is not None and uploader.is_artist:
        _advisory_lock(f"user:{uploader.pk}")
        artist = Artist.objects.filter(user=uploader).first()
        if artist is None:
            name = tag_artist or normalise_text(uploader.get_full_name()) or uploader.username
            artist = Artist.objects.create(user=uploader, name=name[:255])
        return artist
    return _artist_named(tag_artist or UNKNOWN_ARTIST)


def _artist_named(name: str) -> Artist:
    """The artist of that name (case-insensitive), created when new; under the name's advisory lock."""
    name = name[:255]
    _advisory_lock(f"name:{name.casefold()}")
    artist = Artist.objects.filter(name__iexact=name).order_by("id").first()
    return artist or Artist.objects.create(name=name)


def _lock_credited_names(*, uploader, names: list[str]) -> None:
    """Take every artist lock this load needs in one sorted order, so two loads never deadlock."""
    keys = {f"name:{name[:255].casefold()}" for name in names if name}
    if uploader is not None and uploader.is_artist:
        keys.add(f"user:{uploader.pk}")
    for key in sorted(keys):
        _advisory_lock(key)


def _credits_for(*, main: Artist, tags: dict) -> list[tuple[Artist, str]]:
    """(artist, role) of every credited artist in order; the first main credit of the tags is `main`."""
    credits: list[tuple[Artist, str]] = [(main, CreditRole.MAIN)]
    named = tags.get("artists") or []
    first_main = next((i for i, c in enumerate(named) if c["role"] == CreditRole.MAIN), None)
    for index, credit in enumerate(named):
        if index == first_main:
            continue
        artist = _artist_named(credit["name"])
        if all(artist.pk != known.pk for known, _ in credits):
            credits.append((artist, credit["role"]))
    return credits


def _album_for(*, owner: Artist, album_artists: list[Artist], title: str, year: int | None) -> Album | None:
    """The owner's album of that title (created with its artists when new; credited when it has none)."""
    if not title:
        return None
    album = Album.objects.filter(artist=owner, title__iexact=title).order_by("id").first()
    if album is None:
        album = Album.objects.create(artist=owner, title=title, release_date=date(year, 1, 1) if year else None)
    if not AlbumArtist.objects.filter(album=album).exists():
        ordered = [owner, *[a for a in album_artists if a.pk != owner.pk]]
        AlbumArtist.objects.bulk_create([AlbumArtist(album=album, artist=a, position=i) for i, a in enumerate(ordered)])
    return album


def _load(*, registry_id: int, token: int, facts: FileFacts) -> Track | None:
    """Write artist/album/track and close the registry row and upload: one transaction, token re-checked."""
    with transaction.atomic():
        entry = _locked_if_claimed(registry_id, token)
        if entry is None:
            return None
        upload = TrackUpload.objects.select_for_update().filter(registry_entry_id=registry_id).order_by("id").first()
        uploader = upload.uploader if upload else None
        tags = facts.tags
        album_names = (tags.get("album_artists") or []) if tags["album"] else []  # no album, no album artists
        # Only the names this load may find or create: "Unknown artist" only for a file without an
        # artist tag (taking it for every load made every two loads wait for each other).
        _lock_credited_names(uploader=uploader, names=[tags["artist"] or UNKNOWN_ARTIST,
                                                       *(c["name"] for c in tags.get("artists") or []), *album_names])
        artist = _artist_for(uploader=uploader, tag_artist=tags["artist"])
        # The album belongs to its own artists ("Various Artists" of a compilation), not to each
        # track's; an artist's upload stays on the artist's profile.
        own_upload = uploader is not None and uploader.is_artist  # the first album artist is then the profile
        album_owner = artist if own_upload or not album_names else _artist_named(album_names[0])
        album_artists = [_artist_named(name) for name in album_names[1:]]
        album = _album_for(owner=album_owner, album_artists=album_artists, title=tags["album"], year=tags["year"])
        track = (Track.objects.filter(artist=artist, checksum=facts.checksum).order_by("id").first()
                 or Track.objects.filter(file_path=entry.file_path).order_by("id").first())
        created = track is None
        if created:
            tagged_genre = _genre_for_tag(tags.get("genre") or "")
            if tagged_genre is not None:  # a tag beats the model, and feeds its next training
                facts.track_fields.update(genre_id=tagged_genre.pk, genre_confidence=None)
            name = upload.original_filename if upload else entry.file_path
            track = Track.objects.create(
                artist=artist, album=album, title=tags["title"] or title_from_filename(name),
                track_number=tags["track_number"], duration_ms=max(1, round(facts.decoded_s * 1000)),
                file_path=entry.file_path, file_size=entry.file_size if entry.file_size is not None else (upload.file_size if upload else None),
                mime_type=facts.info.format.mime_type, checksum=facts.checksum,
                processing_status=ProcessingStatus.READY, **facts.track_fields,
            )
            credits = _credits_for(main=artist, tags=tags)
            TrackArtist.objects.bulk_create([TrackArtist(track=track, artist=credited, position=position, role=role)
                                             for position, (credited, role) in enumerate(credits)])
            # Their documents carry this track (Elasticsearch; PostgreSQL's triggers need nothing).
            search_index_enqueue(entity="artist", ids=[credited.pk for credited, _ in credits])
            search_index_enqueue(entity="artist", ids=[album_owner.pk, *(a.pk for a in album_artists)])
        now = timezone.now()
        S3FileRegistry.objects.filter(pk=registry_id).update(
            status=RegistryStatus.PROCESSED, track=track, error_message="", checksum=facts.checksum,
            processed_at=now, updated_at=now)
        if upload is not None:
            upload.track, upload.status, upload.error_message = track, UploadStatus.DONE, ""
            upload.metadata = {**upload.metadata, "tags": tags, "decoded_s": round(facts.decoded_s, 3)}
            upload.save(update_fields=["track", "status", "error_message", "metadata", "updated_at"])
        search_index_track_changes(tracks=[track])  # findable once committed, not at the next hourly step
        # A ready track (or a new album, artist or genre) changes cached album, artist, genre and
        # popular answers: drop them once this load commits.
        catalog_cache_invalidate()
    track.created_now = created
    return track


@dataclass(frozen=True)
class EntryResult:
    registry_id: int
    status: str  # processed, failed, or "not-claimed" (someone else holds or finished it)
    track_id: int | None = None
    track_created: bool = False
    error: str = ""


def registry_entry_process(*, registry_id: int, token: int | None = None, on_error: str = "fail") -> EntryResult:
    """Process one registry entry (claiming it first unless `token` is given).

    AudioRejected (not audio, truncated, no duration…) and a vanished object end `failed` with the
    reason. Any other exception: with on_error="fail" the row ends failed with it (a batch run goes
    on); with on_error="release" the claim is given back and the exception re-raised (Celery retries).
    """
    if token is None:
        token = claim_entry(registry_id=registry_id)
        if token is None:
            return EntryResult(registry_id=registry_id, status="not-claimed")
    entry = S3FileRegistry.objects.get(pk=registry_id)
    try:
        storage = bucket_storage(entry.bucket_name)
        stat = object_stat(storage, entry.file_path)
        if stat is None or stat.size == 0:
            reason = ("The uploaded file is no longer in storage; upload it again." if stat is None
                      else "The file is empty (0 bytes): it holds no audio.")
            _fail(registry_id, token, reason)
            return EntryResult(registry_id=registry_id, status=RegistryStatus.FAILED, error=reason)
        with local_copy(storage, entry.file_path, suffix=os.path.splitext(entry.file_path)[1]) as path:
            facts = read_file(path, checksum=entry.checksum)
        track = _load(registry_id=registry_id, token=token, facts=facts)
    except AudioRejected as exc:
        _fail(registry_id, token, str(exc))
        return EntryResult(registry_id=registry_id, status=RegistryStatus.FAILED, error=str(exc))
    except Exception as exc:
        if on_error == "release":
            _release(registry_id, token)
            raise
        reason = f"Processing stopped on an unexpected error: {type(exc).__name__}: {str(exc)[:500]}"
        logger.exception("registry entry %s failed", registry_id, extra={"registry_id": registry_id})
        _fail(registry_id, token, reason)
        return EntryResult(registry_id=registry_id, status=RegistryStatus.FAILED, error=reason)
    if track is None:
        return EntryResult(registry_id=registry_id, status="not-claimed")
    _attach_cover(registry_id=registry_id, track=track, embedded=facts.cover)
    return EntryResult(registry_id=registry_id, status=RegistryStatus.PROCESSED, track_id=track.pk,
                       track_created=track.created_now)


def _attach_cover(*, registry_id: int, track: Track, embedded: bytes | None) -> None:
    """Thumbnails from the uploaded cover, else the embedded art; a refusal is noted on the upload."""
    from catalog.covers import CoverRejected, cover_store_for_track

    upload = TrackUpload.objects.filter(registry_entry_id=registry_id).order_by("id").first()
    temp = bucket_storage("temp")
    uploaded_key = upload.metadata.get("cover_key") if upload else None
    data = None
    if uploaded_key and object_stat(temp, uploaded_key) is not None:
        with temp.open(uploaded_key, "rb") as handle:
            data = handle.read()
    data = data or embedded
    if not data:
        return
    try:
        note = {"cover_keys": cover_store_for_track(track_id=track.pk, data=data)}
    except CoverRejected as exc:
        note = {"cover_error": f"The cover art was not used: {exc}"}
    if uploaded_key:
        temp.delete(uploaded_key)
    if upload is not None:
        TrackUpload.objects.filter(pk=upload.pk).update(metadata={**upload.metadata, **note})
    elif "cover_error" in note:
        S3FileRegistry.objects.filter(pk=registry_id).update(error_message=note["cover_error"])
