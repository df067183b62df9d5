"""Which bytes a player gets for a track: the original, or a transcode it can play.

`stream_plan_for` is the one rule, shared by the REST stream, the signed stream URL and (later)
Subsonic's `stream`; `stream_served` turns a plan into the stored object to serve, making the
transcode once if needed (cache, slots and Range as in catalog/transcode.py).

Order of the rule:
1. `requested_format` (REST `?format=`, Subsonic `format`): "raw"/"original" gives the original;
   mp3/opus/flac a transcode (the original itself when it already is that format and no bitrate
   is asked).
2. `max_bitrate` (kbps, Subsonic `maxBitRate`): an original above it becomes a lossy transcode
   (the requested lossy format, else MP3) at the highest standard bitrate within it.
3. `accept` (the Accept header): an audio type named there with q > 0 wins — the original first
   (a wildcard counts for the original only when every browser plays it), then the transcodes
   in the order of their q. Audio types named but none producible: NotAcceptable (406).
4. Nothing said (no audio type in Accept, as `<audio>` elements send `*/*`): the original when
   Chromium, Firefox and Safari all play it (BROWSER_PLAYABLE, the README's table), else FLAC for
   a lossless original and MP3 192 kbps for a lossy one.
"""
from __future__ import annotations

from dataclasses import dataclass

from jonquils.exceptions import NotAcceptableError
from jonquils.storage import bucket_storage

from . import transcode
from .audio import FORMATS as AUDIO_FORMATS

BROWSER_PLAYABLE = {"mp3", "m4a", "flac", "wav"}  # every one of Chromium, Firefox, Safari plays these
ORIGINAL = {"raw", "original"}
REQUESTABLE = sorted({*transcode.FORMATS, *ORIGINAL})
DEFAULT_LOSSY = ("mp3", 192)
_MIME_GUESS = {"audio/mpeg": "mp3", "audio/flac": "flac", "audio/mp4": "m4a", "audio/wav": "wav",
               "audio/aiff": "aiff", "audio/x-wavpack": "wavpack"}
# what an Accept type (and RFC 6381 codecs parameter) names, per original format
_ORIGINAL_TYPES = {"mp3": {"audio/mpeg", "audio/mp3"}, "flac": {"audio/flac", "audio/x-flac"},
                   "opus": {"audio/ogg", "audio/opus"}, "vorbis": {"audio/ogg", "audio/vorbis"},
                   "m4a": {"audio/mp4", "audio/aac", "audio/x-m4a"}, "alac": {"audio/mp4;codecs=alac"},
                   "wav": {"audio/wav", "audio/x-wav", "audio/wave"}, "aiff": {"audio/aiff", "audio/x-aiff"},
                   "wavpack": {"audio/x-wavpack", "audio/wavpack"}}
_TRANSCODE_TYPES = {"flac": {"audio/flac", "audio/x-flac"}, "opus": {"audio/ogg", "audio/opus"},
                    "mp3": {"audio/mpeg", "audio/mp3"}}


class NotAcceptable(NotAcceptableError):
    """No audio type the client names can be served for this track (406)."""


@dataclass(frozen=True)
class StreamPlan:
    """The original (fmt None) or a transcode (fmt, bitrate; bitrate None for FLAC)."""

    fmt: str | None = None
    bitrate: int | None = None

    @property
    def transcoded(self) -> bool:
        return self.fmt is not None

    def query(self) -> dict:
        """The stream URL parameters that reproduce this plan exactly."""
        if not self.transcoded:
            return {"format": "raw"}
        return {"format": self.fmt, **({"bitrate": self.bitrate} if self.bitrate else {})}


def track_audio_format(track) -> str:
    """The format of a track's original: stored at processing, else guessed from its MIME type and key."""
    if track.audio_format:
        return track.audio_format
    if track.mime_type == "audio/ogg":
        return "opus" if track.file_path.endswith(".opus") else "vorbis"
    return _MIME_GUESS.get(track.mime_type, "")


def content_type_of(track) -> str:
    """The original's type with its codec where the type alone is ambiguous (for canPlayType)."""
    fmt = track_audio_format(track)
    codecs = {"alac": "alac", "m4a": "mp4a.40.2", "opus": "opus", "vorbis": "vorbis"}.get(fmt)
    base = track.mime_type or "application/octet-stream"
    return f'{base}; codecs="{codecs}"' if codecs else base


def _parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """(type, codecs parameter, q) of each media range of an Accept header."""
    ranges = []
    for part in (header or "").split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        kind = pieces[0].lower()
        if not kind or "/" not in kind:
            continue
        q, codecs = 1.0, ""
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').lower()
            if name == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
            elif name == "codecs":
                codecs = value
        ranges.append((kind, codecs, q))
    return ranges


def _q_for(types: set[str], ranges, *, wildcards: bool) -> float | None:
    """The q of the most specific range naming one of `types`; None when none names it."""
    best, best_rank = None, -1
    for kind, codecs, q in ranges:
        named = f"{kind};codecs={codecs}" if codecs else kind
        if named in types or (kind in types and not codecs):
            rank = 2
        elif wildcards and kind in ("audio/*", "*/*"):
            rank = 1 if kind == "audio/*" else 0
        else:
            continue
        if rank > best_rank:
            best, best_rank = q, rank
    return best


def _lossy_bitrate(limit: int | None) -> int:
    fitting = [rate for rate in transcode.BITRATES if limit is None or rate <= limit]
    return max(fitting) if fitting else min(transcode.BITRATES)


def _original_kbps(track) -> float | None:
    if track.file_size and track.duration_ms:
        return track.file_size * 8 / track.duration_ms  # bytes per ms × 8 = kbit/s
    return None


def stream_plan_for(track, *, accept: str | None = None, requested_format: str | None = None,
                    max_bitrate: int | None = None, bitrate: int | None = None) -> StreamPlan:
    """Decide original or transcode for one request (see the module docstring); raise NotAcceptable."""
    original = track_audio_format(track)
    lossless = original in AUDIO_FORMATS and AUDIO_FORMATS[original].lossless
    requested = (requested_format or "").lower() or None
    if requested in ORIGINAL:
        return StreamPlan()
    if requested is not None:
        if requested not in transcode.FORMATS:
            raise NotAcceptable(f"Unknown stream format {requested!r}; ask for one of {', '.join(REQUESTABLE)}.")
        if requested in transcode.LOSSLESS:
            return StreamPlan() if original == "flac" else StreamPlan(fmt=requested)
        if requested == original and not bitrate and not max_bitrate:
            return StreamPlan()
        return StreamPlan(fmt=requested, bitrate=bitrate or _lossy_bitrate(max_bitrate or 128))
    if max_bitrate:
        kbps = _original_kbps(track)
        if kbps is None or kbps > max_bitrate * 1.05:
            return StreamPlan(fmt=DEFAULT_LOSSY[0], bitrate=_lossy_bitrate(max_bitrate))
    ranges = [r for r in _parse_accept(accept) if r[0].startswith("audio/") or r[0] == "*/*"]
    if any(kind.startswith("audio/") and kind != "audio/*" for kind, _, _ in ranges):
        return _from_accept(original, lossless, ranges)
    if original in BROWSER_PLAYABLE:
        return StreamPlan()
    return StreamPlan(fmt="flac") if lossless else StreamPlan(fmt=DEFAULT_LOSSY[0], bitrate=DEFAULT_LOSSY[1])


def _from_accept(original: str, lossless: bool, ranges) -> StreamPlan:
    q = _q_for(_ORIGINAL_TYPES.get(original, set()), ranges, wildcards=original in BROWSER_PLAYABLE)
    if q:
        return StreamPlan()
    order = ("flac", "opus", "mp3") if lossless else ("opus", "mp3")  # lossy never grows into FLAC
    scored = [(_q_for(_TRANSCODE_TYPES[fmt], ranges, wildcards=True) or 0.0, -index, fmt)
              for index, fmt in enumerate(order)]
    best_q, _, fmt = max(scored)
    if best_q <= 0:
        raise NotAcceptable("None of the audio types in Accept can be served for this track; "
                            "it streams as its original or as audio/flac, audio/ogg (Opus) or audio/mpeg.")
    return StreamPlan(fmt=fmt) if fmt in transcode.LOSSLESS else StreamPlan(fmt=fmt, bitrate=DEFAULT_LOSSY[1])


def stream_served(*, track, plan: StreamPlan):
    """The stored object a plan serves (catalog.streaming.Served); transcodes are made on first use.

    Raises catalog.media.MediaMissing when an object is gone and StorageUnavailable when storage
    fails (a GET never changes the track: only the data-quality check flags it), and
    transcode.TranscodeBusy / TranscodeFailed from the transcoder.
    """
    from .media import media_stat, storage_errors
    from .streaming import Served

    storage = bucket_storage("tracks")
    missing = "The audio file of this track is missing from storage."
    stat = media_stat(storage, track.file_path, missing=missing)
    if not plan.transcoded:
        return Served(storage=storage, key=track.file_path, stat=stat,
                      content_type=track.mime_type or "application/octet-stream",
                      etag_value=track.checksum or f"t{track.pk}")
    with storage_errors(key=track.file_path, missing=missing):
        key = transcode.transcode_ensure(track=track, fmt=plan.fmt, bitrate=plan.bitrate)
    storage = bucket_storage(transcode.TRANSCODE_BUCKET)
    stat = media_stat(storage, key, missing="The transcoded audio disappeared; try again.")
    return Served(storage=storage, key=key, stat=stat, content_type=transcode.transcode_content_type(plan.fmt),
                  etag_value=f"{track.checksum}-{plan.fmt}-{plan.bitrate or 'lossless'}")
