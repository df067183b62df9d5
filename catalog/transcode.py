"""Transcode a track to MP3 or Opus at a chosen bitrate, or to FLAC (lossless), once, and keep the result.

The cache key is derived from the track's checksum, the format and the bitrate, so a re-upload
of the same bytes reuses it. Concurrent transcodes are bounded across processes by a
semaphore of TRANSCODE_MAX_CONCURRENT slots in Redis (the cache); a request that cannot get a
slot within TRANSCODE_WAIT_S is told to retry (TranscodeBusy).
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from contextlib import contextmanager

import av
from django.conf import settings
from django.core.cache import cache

from jonquils.exceptions import UnavailableError, UnprocessableError
from jonquils.metrics import ACTIVE_TRANSCODES, counting
from jonquils.storage import bucket_storage, local_copy, object_stat, save_file

FORMATS = {"mp3": ("mp3", "libmp3lame", "audio/mpeg", "mp3", None),
           "opus": ("ogg", "libopus", "audio/ogg", "opus", 48000),
           "flac": ("flac", "flac", "audio/flac", "flac", None)}
LOSSLESS = {"flac"}  # no bitrate: the key says "lossless"
BITRATES = (64, 96, 128, 192, 320)
_WIDE_SAMPLES = {"s32", "s32p", "flt", "fltp", "dbl", "dblp", "s64", "s64p"}  # > 16 bits: FLAC keeps 24
TRANSCODE_BUCKET = "temp"
_SLOT_TTL_S = 600  # a crashed holder frees its slot after this long


class TranscodeBusy(UnavailableError):
    """Every transcoding slot stayed busy; the caller should retry shortly."""

    code = "busy"


class TranscodeUnavailable(TranscodeBusy):
    """The slot counter (Redis) does not answer; like busy, the caller should retry (503)."""


class TranscodeFailed(UnprocessableError):
    """The original could not be transcoded."""

    code = "transcode_failed"


def transcode_key(*, checksum: str, fmt: str, bitrate: int | None) -> str:
    name = "lossless" if fmt in LOSSLESS else f"{bitrate}k"
    return f"transcodes/{checksum[:2]}/{checksum}/{name}.{FORMATS[fmt][3]}"


def transcode_content_type(fmt: str) -> str:
    return FORMATS[fmt][2]


def _slot_take(token: str) -> str | None:
    for slot in range(settings.TRANSCODE_MAX_CONCURRENT):
        if cache.add(f"transcode-slot:{slot}", token, timeout=_SLOT_TTL_S):
            return f"transcode-slot:{slot}"
    return None


@contextmanager
def transcode_slot():
    """Hold one of TRANSCODE_MAX_CONCURRENT slots (Redis `add` is atomic) while transcoding.

    With Redis unreachable no slot can be counted, so none is given: TranscodeUnavailable.
    """
    token = uuid.uuid4().hex
    deadline = time.monotonic() + settings.TRANSCODE_WAIT_S
    held = None
    while held is None:
        try:
            held = _slot_take(token)
        except Exception as exc:  # noqa: BLE001 - any cache failure means the same: no slot
            raise TranscodeUnavailable("Transcoding is unavailable for a moment; retry in a few seconds.") from exc
        if held is None:
            if time.monotonic() > deadline:
                raise TranscodeBusy("Every transcoder is busy; retry in a few seconds.")
            time.sleep(0.1)
    try:
        with counting(ACTIVE_TRANSCODES):
            yield held
    finally:
        try:
            if cache.get(held) == token:
                cache.delete(held)
        except Exception:  # noqa: BLE001 - the slot expires after _SLOT_TTL_S anyway
            pass


def _transcode_file(source: str, target: str, *, fmt: str, bitrate: int | None) -> None:
    container_name, codec, _, _, fixed_rate = FORMATS[fmt]
    with av.open(source) as src, av.open(target, mode="w", format=container_name) as dst:
        in_stream = src.streams.audio[0]
        rate = fixed_rate or in_stream.codec_context.sample_rate or 44100
        channels = min(2, in_stream.codec_context.channels or 2)
        layout = "stereo" if channels == 2 else "mono"
        out_stream = dst.add_stream(codec, rate=rate, layout=layout)
        if fmt in LOSSLESS:  # 16-bit sources stay 16-bit; wider ones become 24-bit FLAC
            wide = in_stream.codec_context.format.name in _WIDE_SAMPLES
            out_stream.codec_context.format = "s32" if wide else "s16"
        else:
            out_stream.bit_rate = bitrate * 1000
        resampler = av.AudioResampler(format=out_stream.codec_context.format.name, layout=layout, rate=rate,
                                      frame_size=out_stream.codec_context.frame_size or None)
        for frame in src.decode(in_stream):
            frame.pts = None
            for resampled in resampler.resample(frame):
                for packet in out_stream.encode(resampled):
                    dst.mux(packet)
        for resampled in resampler.resample(None):
            for packet in out_stream.encode(resampled):
                dst.mux(packet)
        for packet in out_stream.encode(None):
            dst.mux(packet)


def transcode_ensure(*, track, fmt: str, bitrate: int | None) -> str:
    """Return the storage key of the track's transcode, creating it (bounded, once) if missing."""
    storage = bucket_storage(TRANSCODE_BUCKET)
    key = transcode_key(checksum=track.checksum, fmt=fmt, bitrate=bitrate)
    if object_stat(storage, key) is not None:
        return key
    with transcode_slot():
        if object_stat(storage, key) is not None:  # another request made it while we waited
            return key
        originals = bucket_storage("tracks")
        with local_copy(originals, track.file_path, suffix=os.path.splitext(track.file_path)[1]) as source, \
                tempfile.NamedTemporaryFile(suffix=f".{FORMATS[fmt][3]}") as target:
            try:
                _transcode_file(str(source), target.name, fmt=fmt, bitrate=bitrate)
            except (av.FFmpegError, ValueError, IndexError) as exc:
                raise TranscodeFailed(f"The track could not be transcoded ({exc}).") from exc
            try:
                save_file(storage, key, target.name, content_type=transcode_content_type(fmt))
            except RuntimeError:
                pass  # a concurrent request on another slot stored it first; theirs is as good
    return key


def transcodes_delete(*, checksum: str) -> None:
    """Delete every cached transcode of one checksum."""
    from jonquils.storage import delete_prefix

    if checksum:
        delete_prefix(bucket_storage(TRANSCODE_BUCKET), f"transcodes/{checksum[:2]}/{checksum}/")
