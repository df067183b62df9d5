"""Audio features measured from the decoded signal (mono float32, usually 22,050 Hz).

The signal is one array or a few excerpts of one track (catalog.audio.decode_for_analysis keeps
three 30 s excerpts spread over a long track): every feature is computed per excerpt and
pooled over all their frames, so no junction between excerpts reads as an onset.
The arithmetic is plain numpy (etl/audio/spectral.py, librosa's definitions).

How each is computed:

- **tempo (BPM)** — the autocorrelation tempogram of the onset envelope (256-sample hop,
  8 s windows) averaged over time and weighted by a log-normal prior around 120 BPM (the
  estimate librosa's beat tracker reports) gives a first estimate, which is quantised to
  whole frames (it says 89.1 for a 90 BPM click track). It is refined by the autocorrelation
  of the onset envelope: the highest peak within ±6 % of the first estimate's lag, located
  between frames by parabolic interpolation. Searching only near the first estimate keeps
  its choice of metrical level (no doubling or halving). Silence has no tempo.
- **loudness (dBFS)** — RMS level of the whole signal in dB relative to full scale
  (a full-scale sine is −3 dB; silence is floored at −100 dB).
- **energy ∈ [0, 1]** — loudness mapped linearly from −50 dBFS (0: near silence) to −6 dBFS
  (1: a loud master or noise), clipped.
- **valence ∈ [0, 1]** — a heuristic of musical positivity, not a trained model: 50 % mode
  (how much better the averaged chroma fits the best major key profile than the best
  minor one, Krumhansl–Kessler profiles), 30 % brightness (spectral centroid) and 20 %
  tempo (60→180 BPM maps to 0→1).
- **vector** — the genre model's input, 46 numbers: MFCC 1–13 means and standard
  deviations, spectral centroid (mean, std), bandwidth, roll-off, flatness, zero-crossing
  rate, loudness/100, tempo/200 and the 12 chroma means. Frequencies are divided by the
  Nyquist frequency so the vector does not depend on the sample rate.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import spectral

HOP = 256  # onset envelope (tempo)
TEMPOGRAM_SECONDS = 8.0
ROLL_PERCENT = 0.85  # spectral roll-off: the frequency below which 85 % of the magnitude lies
SPECTRUM_N_FFT, SPECTRUM_HOP = 2048, 512  # every other spectral feature
FEATURE_VECTOR_LENGTH = 46
SILENCE_DB = -100.0
ENERGY_FLOOR_DB, ENERGY_CEILING_DB = -50.0, -6.0

# Krumhansl–Kessler key profiles (C major / C minor), rotated for the other keys.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class AudioFeatures:
    tempo_bpm: float | None
    energy: float
    valence: float
    loudness_db: float
    vector: list[float]


def loudness_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return max(SILENCE_DB, 20 * np.log10(rms)) if rms > 0 else SILENCE_DB


def energy_from_loudness(db: float) -> float:
    return float(np.clip((db - ENERGY_FLOOR_DB) / (ENERGY_CEILING_DB - ENERGY_FLOOR_DB), 0.0, 1.0))


def _excerpts(samples: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    parts = [samples] if isinstance(samples, np.ndarray) else list(samples)
    return [np.asarray(part, dtype=np.float32) for part in parts if len(part)]


def _onset_spectrum(part: np.ndarray) -> np.ndarray:
    """|STFT| at the onset hop; every other frame of it is the STFT at SPECTRUM_HOP (both centred)."""
    return spectral.stft_magnitude(part, n_fft=SPECTRUM_N_FFT, hop=HOP)


def estimate_tempo(samples: np.ndarray | Sequence[np.ndarray], sample_rate: int) -> float | None:
    """Return the tempo in BPM, refined below one frame, or None when there is no pulse."""
    spectra = [_onset_spectrum(part) for part in _excerpts(samples)]
    return _tempo([spectral.onset_strength(magnitude ** 2, sample_rate) for magnitude in spectra], sample_rate)


def _tempo(envelopes: list[np.ndarray], sample_rate: int) -> float | None:
    envelopes = [env for env in envelopes if len(env) > 2]
    if not envelopes or not any(np.any(env > 1e-6) for env in envelopes):
        return None
    win_length = int(int(TEMPOGRAM_SECONDS * sample_rate) // HOP)
    first = spectral.tempo_from_tempograms([spectral.tempogram_sum(env, win_length=win_length) for env in envelopes],
                                           sample_rate=sample_rate, hop=HOP)
    if not np.isfinite(first) or first <= 0:
        return None
    frames_per_second = sample_rate / HOP
    shortest = min(len(env) for env in envelopes)
    autocorr = sum(spectral.autocorrelate(env - env.mean())[:shortest] for env in envelopes)
    lag = frames_per_second * 60.0 / first
    low, high = max(1, int(np.floor(lag * 0.94))), min(len(autocorr) - 2, int(np.ceil(lag * 1.06)))
    if high <= low:
        return round(first, 2)
    peak = low + int(np.argmax(autocorr[low:high + 1]))
    a, b, c = autocorr[peak - 1], autocorr[peak], autocorr[peak + 1]
    denominator = a - 2 * b + c
    offset = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
    refined = frames_per_second * 60.0 / (peak + float(np.clip(offset, -0.5, 0.5)))
    return round(refined, 2)


def _mode_score(chroma_mean: np.ndarray) -> float:
    if not np.any(chroma_mean > 0):
        return 0.5
    major = max(np.corrcoef(chroma_mean, np.roll(_MAJOR, k))[0, 1] for k in range(12))
    minor = max(np.corrcoef(chroma_mean, np.roll(_MINOR, k))[0, 1] for k in range(12))
    return float(np.clip((major - minor) * 2.5 + 0.5, 0.0, 1.0))


def _spectral_frames(part: np.ndarray, magnitude: np.ndarray, sample_rate: int) -> dict[str, np.ndarray]:
    """Per-frame spectral measures of one excerpt (columns are frames) from its |STFT| at SPECTRUM_HOP."""
    power = magnitude ** 2
    freqs = spectral.fft_frequencies(sample_rate, SPECTRUM_N_FFT)[:, None]
    weights = spectral.normalise_columns(magnitude, order=1)
    centroid = (freqs * weights).sum(axis=0)
    cumulative = np.cumsum(magnitude, axis=0)
    reached = cumulative >= ROLL_PERCENT * cumulative[-1:]
    thresholded = np.maximum(spectral.AMIN, power)
    return {
        "power": power,
        "centroid": centroid,
        "bandwidth": np.sqrt((weights * (freqs - centroid) ** 2).sum(axis=0)),
        "rolloff": freqs[np.argmax(reached, axis=0), 0],
        "flatness": np.exp(np.log(thresholded).mean(axis=0)) / thresholded.mean(axis=0),
        "zcr": spectral.zero_crossing_rate(part, frame_length=SPECTRUM_N_FFT, hop=SPECTRUM_HOP),
    }


def analyse(samples: np.ndarray | Sequence[np.ndarray], sample_rate: int) -> AudioFeatures:
    """Measure tempo, energy, valence, loudness and the genre model's vector of one signal or its excerpts."""
    parts = _excerpts(samples)
    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    loudness = loudness_dbfs(joined)
    energy = energy_from_loudness(loudness)
    nyquist = sample_rate / 2
    if loudness <= SILENCE_DB + 1e-9 or len(joined) < sample_rate // 4:
        vector = [0.0] * (FEATURE_VECTOR_LENGTH - 2) + [round(loudness / 100, 5), 0.0]
        return AudioFeatures(tempo_bpm=None, energy=energy, valence=0.0, loudness_db=round(loudness, 2), vector=vector)

    spectra = [_onset_spectrum(part) for part in parts]  # one STFT per excerpt serves tempo and spectrum
    tempo = _tempo([spectral.onset_strength(magnitude ** 2, sample_rate) for magnitude in spectra], sample_rate)
    step = SPECTRUM_HOP // HOP
    measured = [_spectral_frames(part, magnitude[:, ::step], sample_rate) for part, magnitude in zip(parts, spectra)]
    pooled = {key: np.concatenate([m[key] for m in measured], axis=-1) for key in measured[0]}
    # Pooled before the logarithms and the tuning: power_to_db's 80 dB floor is relative to the
    # loudest bin of all excerpts and the tuning is one per track, as they were for one signal.
    power = pooled["power"]
    mel_db = spectral.power_to_db(spectral.mel_filters(sample_rate, SPECTRUM_N_FFT) @ power)
    mfcc = spectral.dct_matrix(13, mel_db.shape[0]) @ mel_db
    centroid = pooled["centroid"] / nyquist
    tuning = round(spectral.estimate_tuning(power, sample_rate), 2)
    chroma_filters = spectral.chroma_filters(sample_rate, SPECTRUM_N_FFT, tuning)
    chroma = spectral.normalise_columns(chroma_filters @ power, order=np.inf).mean(axis=1)

    brightness = float(np.clip(centroid.mean() * 4, 0.0, 1.0))
    tempo_part = float(np.clip(((tempo or 60.0) - 60.0) / 120.0, 0.0, 1.0))
    valence = float(np.clip(0.5 * _mode_score(chroma) + 0.3 * brightness + 0.2 * tempo_part, 0.0, 1.0))

    vector = [
        *mfcc.mean(axis=1), *mfcc.std(axis=1),
        centroid.mean(), centroid.std(), pooled["bandwidth"].mean() / nyquist, pooled["rolloff"].mean() / nyquist,
        pooled["flatness"].mean(), pooled["zcr"].mean(), loudness / 100, (tempo or 0.0) / 200, *chroma,
    ]
    vector = [round(float(v), 5) for v in vector]
    assert len(vector) == FEATURE_VECTOR_LENGTH  # noqa: S101 - an internal invariant, not input validation
    return AudioFeatures(tempo_bpm=tempo, energy=round(energy, 4), valence=round(valence, 4),
                         loudness_db=round(loudness, 2), vector=vector)


def warm_up() -> None:
    """Run one short analysis so the first task finds numpy's FFT set up and the filter banks built (≈0.1 s)."""
    from catalog.audio_synthesis import Piece, synthesize

    analyse(synthesize(Piece(seconds=3.0, bpm=120), sample_rate=22_050), 22_050)
