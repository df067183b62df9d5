"""Generate real audio files for tests: any accepted format, any duration, tags and cover art.

`make_audio("mp3", duration_s=2, tags={"title": "Sol"}, cover=jpeg_bytes)` returns the bytes of a
file encoded by PyAV (ffmpeg's encoders) and tagged with mutagen, the way a user's file would be.
"""
from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path

import numpy as np
from mutagen.aiff import AIFF
from mutagen.apev2 import BINARY, APEValue
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, SYLT, TALB, TCMP, TDRC, TIT2, TPE1, TPE2, TRCK, TXXX, USLT
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from catalog.audio_synthesis import encode

# format → (sample rate, file extension); encoding is catalog.audio_synthesis.encode
_ENCODERS = {
    "mp3": (44100, "mp3"), "flac": (44100, "flac"), "opus": (48000, "opus"),
    "vorbis": (44100, "ogg"), "m4a": (44100, "m4a"), "wav": (44100, "wav"),
    "alac": (44100, "m4a"), "aiff": (44100, "aiff"), "wavpack": (44100, "wv"),
}
_SYNTHESIS_FORMAT = {"mp3": "mp3", "flac": "flac", "opus": "opus", "vorbis": "ogg", "m4a": "m4a", "wav": "wav",
                     "alac": "alac", "aiff": "aiff", "wavpack": "wv"}
FORMATS = tuple(_ENCODERS)
# Tag keys make_audio understands beyond title/artist/album/tracknumber/date: albumartist, compilation
# ("1"), lyrics (plain or LRC text), synced (list of (text, ms): ID3 SYLT; LRC text elsewhere) and
# replaygain_{track,album}_{gain,peak} (e.g. "-6.50 dB", "0.988").


def tone(duration_s: float, *, sample_rate: int, channels: int = 2, freq: float = 440.0) -> np.ndarray:
    """A sine tone with a little noise, shape (channels, samples), float32 in [-1, 1]."""
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    rng = np.random.default_rng(int(freq))
    mono = 0.4 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(t.size)
    return np.tile(mono.astype(np.float32), (channels, 1))


def _encode(path: Path, fmt: str, samples: np.ndarray, sample_rate: int, bitrate: int | None) -> None:
    path.write_bytes(encode(samples, _SYNTHESIS_FORMAT[fmt], sample_rate, bitrate))


_ID3_TEXT = {"title": TIT2, "artist": TPE1, "album": TALB, "tracknumber": TRCK, "date": TDRC, "albumartist": TPE2,
             "compilation": TCMP}
_MP4_TEXT = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "date": "\xa9day", "albumartist": "aART",
             "lyrics": "\xa9lyr"}
_APE_TEXT = {"title": "Title", "artist": "Artist", "album": "Album", "tracknumber": "Track", "date": "Year",
             "albumartist": "Album Artist", "compilation": "Compilation", "lyrics": "Lyrics"}


def _lrc(synced) -> str:
    return "\n".join(f"[{ms // 60000:02d}:{ms % 60000 // 1000:02d}.{ms % 1000 // 10:02d}]{text}" for text, ms in synced)


def _tag_id3(audio, tags: dict, cover: bytes | None, cover_mime: str) -> None:
    if audio.tags is None:
        audio.add_tags()
    for key, value in tags.items():
        if key in _ID3_TEXT:
            audio.tags.add(_ID3_TEXT[key](encoding=3, text=str(value)))
        elif key == "lyrics":
            audio.tags.add(USLT(encoding=3, lang="eng", desc="", text=str(value)))
        elif key == "synced":
            audio.tags.add(SYLT(encoding=3, lang="eng", format=2, type=1, desc="", text=list(value)))
        elif key.startswith("replaygain_"):
            audio.tags.add(TXXX(encoding=3, desc=key.upper(), text=str(value)))
    if cover:
        audio.tags.add(APIC(encoding=3, mime=cover_mime, type=3, desc="Cover", data=cover))
    audio.save()


def _tag(path: Path, fmt: str, tags: dict, cover: bytes | None, cover_mime: str) -> None:
    if fmt in ("mp3", "wav", "aiff"):
        _tag_id3({"mp3": MP3, "wav": WAVE, "aiff": AIFF}[fmt](path), tags, cover, cover_mime)
        return
    if fmt in ("m4a", "alac"):
        audio = MP4(path)
        for key, value in tags.items():
            if key == "tracknumber":
                audio["trkn"] = [(int(str(value).split("/")[0]), 0)]
            elif key == "compilation":
                audio["cpil"] = str(value) == "1"
            elif key == "synced":
                audio["\xa9lyr"] = [_lrc(value)]
            elif key.startswith("replaygain_"):
                audio[f"----:com.apple.iTunes:{key}"] = [MP4FreeForm(str(value).encode())]
            else:
                audio[_MP4_TEXT[key]] = [str(value)]
        if cover:
            kind = MP4Cover.FORMAT_PNG if cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
            audio["covr"] = [MP4Cover(cover, imageformat=kind)]
        audio.save()
        return
    if fmt == "wavpack":
        audio = WavPack(path)
        if audio.tags is None:
            audio.add_tags()
        for key, value in tags.items():
            if key == "synced":
                audio.tags["Lyrics"] = _lrc(value)
            else:
                audio.tags[_APE_TEXT.get(key, key.upper())] = str(value)
        if cover:
            audio.tags["Cover Art (Front)"] = APEValue(b"cover.jpg\x00" + cover, BINARY)
        audio.save()
        return
    audio = {"flac": FLAC, "opus": OggOpus, "vorbis": OggVorbis}[fmt](path)
    for key, value in tags.items():
        audio["lyrics" if key == "synced" else key] = [_lrc(value) if key == "synced" else str(value)]
    if cover:
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, cover_mime, cover
        if fmt == "flac":
            audio.add_picture(picture)
        else:
            audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


def make_audio(fmt: str = "mp3", *, duration_s: float = 1.0, channels: int = 2, freq: float = 440.0,
               tags: dict | None = None, cover: bytes | None = None, cover_mime: str = "image/jpeg",
               bitrate: int | None = None) -> bytes:
    """Return the bytes of an audio file of format `fmt` (see FORMATS)."""
    sample_rate, ext = _ENCODERS[fmt]
    with tempfile.TemporaryDirectory(prefix="jonquils-audio-") as tmp:
        path = Path(tmp) / f"sound.{ext}"
        _encode(path, fmt, tone(duration_s, sample_rate=sample_rate, channels=channels, freq=freq), sample_rate, bitrate)
        if tags or cover:
            _tag(path, fmt, {k: v for k, v in (tags or {}).items() if v is not None}, cover, cover_mime)
        return path.read_bytes()


def extension(fmt: str) -> str:
    return _ENCODERS[fmt][1]


def make_image(width: int = 800, height: int = 800, *, fmt: str = "JPEG", color=(200, 120, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


def make_png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A small PNG (≈100 KB) that claims width × height pixels: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + a 1-bit row
    body = bytearray()
    block = row * 256
    for _ in range(height // 256):
        body += compressor.compress(block)
    body += compressor.compress(row * (height % 256)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(body)) + chunk(b"IEND", b"")
