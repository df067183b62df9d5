"""Tracks whose audio really is in the tracks bucket, with covers, for the media tests."""
from __future__ import annotations

import functools
import hashlib
import tempfile
import uuid

from catalog.covers import cover_store_for_track
from jonquils.storage import bucket_storage, save_file
from tests.audio import make_audio, make_image
from tests.factories import AlbumFactory, TrackFactory

MIME = {"mp3": ("audio/mpeg", "mp3"), "flac": ("audio/flac", "flac"), "wav": ("audio/wav", "wav")}


@functools.cache
def audio(fmt: str, duration_s: int, freq: int = 440, bitrate: int | None = None) -> bytes:
    return make_audio(fmt, duration_s=duration_s, freq=freq, bitrate=bitrate)


def stored_track(*, title: str, fmt: str = "mp3", duration_s: int = 8, album=None, cover: bool = False, **extra):
    data = audio(fmt, duration_s)
    checksum = hashlib.sha256(data + title.encode() + uuid.uuid4().bytes).hexdigest()
    mime, ext = MIME[fmt]
    key = f"{checksum[:2]}/{checksum}.{ext}"
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        save_file(bucket_storage("tracks"), key, handle.name, content_type=mime)
    album = album or AlbumFactory()
    track = TrackFactory(title=title, artist=album.artist, album=album, file_path=key, checksum=checksum,
                         mime_type=mime, audio_format=fmt, file_size=len(data), duration_ms=duration_s * 1000, **extra)
    if cover:
        cover_store_for_track(track_id=track.pk, data=make_image(700, 700))
    return track
