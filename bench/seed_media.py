"""Real stored audio for the seeded tracks: ~8 synthesised files the tracks point at round-robin.

A million objects would be pointless; a handful of real ones (mp3 and flac, one ≈10 MB for
streaming) let streaming, Range requests and the storage monitoring checks work on the seed.
Objects are saved through jonquils.storage into the `tracks` bucket under the upload layout
(`<token[:2]>/<token>.<ext>`, the token being the content's SHA-256, the pipeline's checksum),
so the same seed finds its objects again instead of storing copies.
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass

from catalog.audio_synthesis import Piece, encode, synthesize
from jonquils.storage import bucket_storage, object_stat, save_file

TRACKS_BUCKET = "tracks"
MIME_TYPES = {"mp3": "audio/mpeg", "flac": "audio/flac"}
# (format, seconds, bitrate): short pieces, then the long 320 kbps mp3 (≈10 MB) streaming reads.
AUDIO_SET = (("mp3", 12, 128_000), ("flac", 8, None), ("mp3", 20, 192_000), ("flac", 10, None),
             ("mp3", 15, 128_000), ("mp3", 9, 256_000), ("flac", 6, None))
LARGE_AUDIO = ("mp3", 250, 320_000)


@dataclass(frozen=True)
class StoredAudio:
    key: str
    file_size: int
    checksum: str
    mime_type: str
    audio_format: str
    duration_ms: int


def store_seed_audio(*, seed: int, large_seconds: int | None = None) -> list[StoredAudio]:
    """Synthesise and store the audio set; the last entry is the large file."""
    storage = bucket_storage(TRACKS_BUCKET)
    stored = []
    wanted = [*AUDIO_SET, (LARGE_AUDIO[0], large_seconds or LARGE_AUDIO[1], LARGE_AUDIO[2])]
    for index, (fmt, seconds, bitrate) in enumerate(wanted):
        piece = Piece(seconds=float(seconds), bpm=80 + 12 * index, root_hz=165.0 * (1 + 0.1 * index),
                      harmonics=1 + index % 4, loudness=0.4 + 0.07 * index, seed=seed * 100 + index)
        data = encode(synthesize(piece), fmt, bitrate=bitrate)
        checksum = hashlib.sha256(data).hexdigest()
        key = f"{checksum[:2]}/{checksum}.{fmt}"
        stat = object_stat(storage, key)
        if stat is None or stat.size != len(data):
            if stat is not None:
                storage.delete(key)
            with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as handle:
                handle.write(data)
                handle.flush()
                save_file(storage, key, handle.name, content_type=MIME_TYPES[fmt])
        stored.append(StoredAudio(key=key, file_size=len(data), checksum=checksum, mime_type=MIME_TYPES[fmt],
                                  audio_format=fmt, duration_ms=int(seconds * 1000)))
    return stored


def register_seed_audio(cur, audio: list[StoredAudio]) -> None:
    """Record each object as processed in the registry (like the pipeline does), owned by its first track."""
    for slot, item in enumerate(audio):
        cur.execute("""
            INSERT INTO etl.s3_file_registry (bucket_name, file_path, status, checksum, file_size, error_message,
                                              track_id, attempts, created_at, updated_at, processed_at)
            SELECT %s, %s, 'processed', %s, %s, '', min(id), 1, now(), now(), now() FROM tracks
             WHERE (id - (SELECT min(id) FROM tracks)) %% %s = %s
            ON CONFLICT (bucket_name, file_path) DO UPDATE SET status = 'processed', track_id = EXCLUDED.track_id,
                checksum = EXCLUDED.checksum, file_size = EXCLUDED.file_size, error_message = ''""",
                    [TRACKS_BUCKET, item.key, item.checksum, item.file_size, len(audio), slot])
