"""Tell audio by its content: sniff the container, parse it (mutagen), decode it (PyAV).

Nothing here looks at a filename or a declared content type. `probe_audio` is the quick check
an upload gets (first frames decode); `decode_fully` is the full check processing does
(truncated, corrupt or silent-by-absence files are caught there).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av
import mutagen
import numpy as np
from mutagen.aiff import AIFF
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack


class AudioRejected(ValueError):
    """The file is not audio we accept, or is damaged; the message says so in plain words."""


@dataclass(frozen=True)
class AudioFormat:
    name: str
    mime_type: str
    extension: str
    lossless: bool = False


FORMATS = {
    "mp3": AudioFormat("mp3", "audio/mpeg", "mp3"),
    "flac": AudioFormat("flac", "audio/flac", "flac", lossless=True),
    "opus": AudioFormat("opus", "audio/ogg", "opus"),
    "vorbis": AudioFormat("vorbis", "audio/ogg", "ogg"),
    "m4a": AudioFormat("m4a", "audio/mp4", "m4a"),
    "alac": AudioFormat("alac", "audio/mp4", "m4a", lossless=True),
    "wav": AudioFormat("wav", "audio/wav", "wav", lossless=True),
    "aiff": AudioFormat("aiff", "audio/aiff", "aiff", lossless=True),
    "wavpack": AudioFormat("wavpack", "audio/x-wavpack", "wv", lossless=True),
}
ACCEPTED = "MP3, FLAC, Ogg Opus, Ogg Vorbis, M4A (AAC or Apple Lossless), WAV, AIFF/AIFF-C or WavPack"
_PCM = {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8", "pcm_f64le"}
# AIFF is big-endian PCM; AIFF-C adds little-endian ("sowt"), float, and the telephone laws.
_AIFF_PCM = {"pcm_s8", "pcm_s16be", "pcm_s24be", "pcm_s32be", "pcm_f32be", "pcm_f64be", "pcm_s16le",
             "pcm_mulaw", "pcm_alaw"}
# The decoder each format must open with (PyAV codec names).
_CODECS = {"mp3": {"mp3", "mp3float"}, "flac": {"flac"}, "opus": {"opus", "libopus"},
           "vorbis": {"vorbis", "libvorbis"}, "m4a": {"aac"}, "alac": {"alac"}, "wav": _PCM,
           "aiff": _AIFF_PCM, "wavpack": {"wavpack"}}
_PROBE_FRAMES = 8


@dataclass
class AudioInfo:
    format: AudioFormat
    duration_s: float
    sample_rate: int
    channels: int
    extra: dict = field(default_factory=dict)


def _id3_size(head: bytes) -> int:
    """Length of an ID3v2 tag at the start of `head` (header and optional footer included)."""
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _is_mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3  # MPEG layer III


def sniff_container(path: str | Path) -> str | None:
    """Return 'mp3', 'flac', 'ogg', 'mp4', 'wav', 'aiff' or 'wavpack' from the first bytes, or None."""
    with open(path, "rb") as handle:
        head = handle.read(64)
        if len(head) < 12:
            return None
        if head[:3] == b"ID3" and len(head) >= 10:
            handle.seek(_id3_size(head))
            head = handle.read(64)
            if head[:4] == b"fLaC":
                return "flac"
            return "mp3" if _is_mpeg_audio_frame(head) else None
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"wvpk":
        return "wavpack"
    if _is_mpeg_audio_frame(head):
        return "mp3"
    return None


def _parse(path: str | Path, container: str):
    """Parse with the mutagen class the container calls for; return (format name, mutagen file)."""
    try:
        if container == "mp3":
            return "mp3", MP3(path)
        if container == "flac":
            return "flac", FLAC(path)
        if container == "wav":
            return "wav", WAVE(path)
        if container == "aiff":
            return "aiff", AIFF(path)
        if container == "wavpack":
            return "wavpack", WavPack(path)
        if container == "mp4":
            parsed = MP4(path)
            codec = getattr(parsed.info, "codec", "") or ""
            if codec == "alac":
                return "alac", parsed
            if not codec.startswith("mp4a"):
                raise AudioRejected(f"This MP4 file holds {codec or 'no'} audio; only AAC or Apple Lossless (ALAC) "
                                    "audio in M4A is accepted.")
            return "m4a", parsed
        if container == "ogg":
            for name, cls in (("opus", OggOpus), ("vorbis", OggVorbis)):
                try:
                    return name, cls(path)
                except mutagen.MutagenError:
                    continue
            raise AudioRejected("This Ogg file holds neither Opus nor Vorbis audio.")
    except AudioRejected:
        raise
    except (mutagen.MutagenError, ValueError, EOFError, OSError) as exc:
        raise AudioRejected(f"The file looks like {container.upper()} but cannot be read as audio ({exc}).") from exc
    raise AudioRejected(f"Unsupported container {container}.")


def probe_audio(path: str | Path) -> AudioInfo:
    """Decide by content whether a file is accepted audio: container, parse, first frames decode."""
    container = sniff_container(path)
    if container is None:
        raise AudioRejected(f"The file is not audio: its content is none of {ACCEPTED}.")
    name, parsed = _parse(path, container)
    info = parsed.info
    fmt = FORMATS[name]
    try:
        with av.open(str(path), mode="r") as media:
            if not media.streams.audio:
                raise AudioRejected("The file holds no audio stream.")
            stream = media.streams.audio[0]
            if stream.codec_context.name not in _CODECS[name]:
                raise AudioRejected(f"The {fmt.name.upper()} file holds {stream.codec_context.name} audio, which is not accepted.")
            decoded = 0
            for frame in media.decode(stream):
                decoded += frame.samples
                if decoded and stream.frames and decoded >= stream.frames:
                    break
                if decoded > 0 and decoded >= _PROBE_FRAMES * 1024:
                    break
            if decoded == 0:
                raise AudioRejected("The file holds no decodable audio.")
            sample_rate = stream.codec_context.sample_rate or getattr(info, "sample_rate", 0)
            channels = stream.codec_context.channels or getattr(info, "channels", 0)
    except AudioRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        raise AudioRejected(f"The {fmt.name.upper()} file cannot be decoded ({exc}).") from exc
    return AudioInfo(format=fmt, duration_s=float(getattr(info, "length", 0.0) or 0.0),
                     sample_rate=int(sample_rate or 0), channels=int(channels or 0))


def decode_fully(path: str | Path, *, declared_s: float) -> float:
    """Decode every frame; return the decoded seconds, or raise AudioRejected with the reason.

    A file that decodes shorter than its header declares (2 % + 50 ms tolerance) is truncated.
    """
    return _decode(path, declared_s=declared_s, analysis_rate=None)[0]


EXCERPTS, EXCERPT_S = 3, 30.0  # what decode_for_analysis keeps of a long track


def analysis_windows(declared_s: float) -> list[tuple[float, float]]:
    """(start, end) seconds of the audio worth analysing: all of a short track, else three 30 s excerpts.

    Excerpts are centred at 1/6, 3/6 and 5/6 of the track, so intro, middle and end all count
    and fade-ins or silences at the edges do not; a track of unknown length is read from its start.
    """
    whole = EXCERPTS * EXCERPT_S
    if declared_s <= whole:
        return [(0.0, whole)]
    centres = [(index + 0.5) * declared_s / EXCERPTS for index in range(EXCERPTS)]
    return [(centre - EXCERPT_S / 2, centre + EXCERPT_S / 2) for centre in centres]


def decode_for_analysis(path: str | Path, *, declared_s: float,
                        sample_rate: int = 22_050) -> tuple[float, list[np.ndarray]]:
    """Like decode_fully, and also return mono float32 excerpts at `sample_rate` (analysis_windows).

    Every frame is decoded (that is the validation); only the frames inside a window are
    resampled, each window by its own resampler so that no filter state leaks across a gap.
    """
    return _decode(path, declared_s=declared_s, analysis_rate=sample_rate, windows=analysis_windows(declared_s))


def _decode(path: str | Path, *, declared_s: float, analysis_rate: int | None,
            windows: list[tuple[float, float]] | None = None) -> tuple[float, list[np.ndarray] | None]:
    """The one decoding loop: validates the whole file, optionally keeps resampled mono excerpts."""
    decoded_samples = 0
    sample_rate = 0
    windows = windows if analysis_rate else []
    kept: list[list[np.ndarray]] = [[] for _ in windows]
    current, resampler = 0, None
    try:
        with av.open(str(path), mode="r") as media:
            if not media.streams.audio:
                raise AudioRejected("The file holds no audio stream.")
            stream = media.streams.audio[0]
            for frame in media.decode(stream):
                sample_rate = frame.sample_rate or sample_rate
                start_s = decoded_samples / sample_rate if sample_rate else 0.0
                decoded_samples += frame.samples
                while current < len(windows) and start_s >= windows[current][1]:
                    _flush(resampler, kept[current])
                    current, resampler = current + 1, None
                if current < len(windows) and decoded_samples / sample_rate > windows[current][0]:
                    resampler = resampler or av.AudioResampler(format="flt", layout="mono", rate=analysis_rate)
                    kept[current].extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
            if current < len(windows):
                _flush(resampler, kept[current])
    except AudioRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        at = decoded_samples / sample_rate if sample_rate else 0.0
        if declared_s and at < declared_s * 0.98:
            raise AudioRejected(_truncated(declared_s, at)) from exc
        raise AudioRejected(
            f"The audio is damaged and stops decoding at {at:.1f} s ({exc}); export the file again and re-upload it."
        ) from exc
    decoded_s = decoded_samples / sample_rate if sample_rate else 0.0
    if decoded_s <= 0:
        raise AudioRejected("The file contains no audio (zero duration); upload a file with sound in it.")
    if declared_s and decoded_s < declared_s * 0.98 - 0.05:
        raise AudioRejected(_truncated(declared_s, decoded_s))
    if not analysis_rate:
        return decoded_s, None
    excerpts = []
    for (start, end), chunks in zip(windows, kept):
        if chunks:
            excerpts.append(np.concatenate(chunks)[: int((end - start) * analysis_rate)].astype(np.float32, copy=False))
    return decoded_s, excerpts


def _flush(resampler, into: list[np.ndarray]) -> None:
    """Drain what a resampler still holds (its filter delay) into the excerpt it was filling."""
    if resampler is not None:
        into.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))


def _truncated(declared_s: float, decoded_s: float) -> str:
    return (f"The file is truncated: it declares {declared_s:.1f} s of audio but only {decoded_s:.1f} s could be "
            "decoded; upload the complete file.")
