"""Synthesise short pieces of music and encode them, for demo data and tests (no downloads).

A piece is a click track at a known tempo under a chord whose timbre (harmonics) and
loudness are chosen by the caller, so that tempo and energy of the result are known.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np

SAMPLE_RATE = 44_100


@dataclass(frozen=True)
class Piece:
    seconds: float = 8.0
    bpm: float = 120.0
    root_hz: float = 220.0
    harmonics: int = 3  # 1 = pure sine (soft), more = brighter
    loudness: float = 0.5  # peak amplitude in (0, 1]
    seed: int = 0


def synthesize(piece: Piece, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Return mono float32 samples in [-1, 1]."""
    rng = np.random.default_rng(piece.seed)
    t = np.arange(int(piece.seconds * sample_rate)) / sample_rate
    chord = np.zeros_like(t)
    for ratio in (1.0, 1.25, 1.5):  # a major triad
        for h in range(1, piece.harmonics + 1):
            chord += np.sin(2 * np.pi * piece.root_hz * ratio * h * t + rng.uniform(0, 2 * np.pi)) / h
    chord /= np.max(np.abs(chord)) or 1.0

    clicks = np.zeros_like(t)
    beat_samples = 60.0 / piece.bpm * sample_rate
    click_len = int(0.02 * sample_rate)
    envelope = np.exp(-np.linspace(0, 8, click_len))
    for start in np.arange(0, len(t) - click_len, beat_samples).astype(int):
        clicks[start:start + click_len] += envelope * np.sin(2 * np.pi * 1_000 * t[:click_len])

    mix = 0.6 * chord + 0.8 * clicks
    mix /= np.max(np.abs(mix)) or 1.0
    return (mix * piece.loudness).astype(np.float32)


# format → (container, codec, sample format); planar formats end in "p"
_CODECS = {"mp3": ("mp3", "mp3", "fltp"), "flac": ("flac", "flac", "s16"), "ogg": ("ogg", "vorbis", "fltp"),
           "opus": ("ogg", "libopus", "flt"), "wav": ("wav", "pcm_s16le", "s16"), "m4a": ("ipod", "aac", "fltp"),
           "alac": ("ipod", "alac", "s16p"), "aiff": ("aiff", "pcm_s16be", "s16"), "wv": ("wv", "wavpack", "s16p")}
_LOSSLESS = {"flac", "pcm_s16le", "alac", "pcm_s16be", "wavpack"}
FORMATS = tuple(_CODECS)


def encode(samples: np.ndarray, fmt: str = "mp3", sample_rate: int = SAMPLE_RATE, bitrate: int | None = 128_000) -> bytes:
    """Encode float samples in [-1, 1] with PyAV into `fmt` (mp3, flac, ogg, opus, wav, m4a, alac, aiff, wv).

    `samples` is mono (n,) or (channels, n) with one or two channels. Opus is resampled to
    48 kHz; ffmpeg's own Vorbis encoder only writes stereo, so mono goes to both channels.
    """
    container_format, codec, sample_format = _CODECS[fmt]
    planes = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    rate = 48_000 if codec == "libopus" else sample_rate
    if rate != sample_rate:
        positions = np.arange(0, planes.shape[1], sample_rate / rate)
        planes = np.vstack([np.interp(positions, np.arange(planes.shape[1]), p) for p in planes]).astype(np.float32)
    if codec == "vorbis" and planes.shape[0] == 1:
        planes = np.vstack([planes, planes])
    layout = "stereo" if planes.shape[0] == 2 else "mono"
    pcm = planes if sample_format.startswith("flt") else (np.clip(planes, -1, 1) * 32767).astype(np.int16)
    planar = sample_format.endswith("p")
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        stream.codec_context.format = sample_format  # ALAC and WavPack would pick 32 / 8 bits otherwise
        if bitrate and codec not in _LOSSLESS:
            stream.bit_rate = bitrate
        if codec == "vorbis":  # ffmpeg's own Vorbis encoder is marked experimental
            stream.codec_context.options = {"strict": "experimental"}
        frame_size = stream.codec_context.frame_size or 1024
        for start in range(0, pcm.shape[1], frame_size):
            block = pcm[:, start:start + frame_size]
            data = np.ascontiguousarray(block if planar else block.T.reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(data, format=sample_format, layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
