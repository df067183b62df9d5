"""The few spectral building blocks the audio features need, in plain numpy.

They reproduce librosa 0.11's defaults for the calls features.py used to make (STFT with a
periodic Hann window and zero padding, Slaney mel filters, power_to_db with an 80 dB floor,
orthonormal DCT-II MFCCs, the tuning estimate and chroma filters centred on C, onset strength,
the autocorrelation tempogram with its log-normal prior around 120 BPM), so that feature vectors
stored before and after agree (to the 5 decimals kept; tests/etl/test_audio_features.py compares
them with librosa's) and the genre model keeps its input. Why not librosa itself: importing it
pulls in numba and scipy (≈200 MB per process, seconds of import, a JIT compile on first use),
for arithmetic numpy does as fast. Filter banks are built once per sample rate (and tuning).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

AMIN = 1e-10
TOP_DB = 80.0
_TINY = np.finfo(np.float32).tiny


def hann(length: int) -> np.ndarray:
    """The periodic Hann window (scipy's get_window('hann', n, fftbins=True))."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)


def frames(samples: np.ndarray, *, length: int, hop: int) -> np.ndarray:
    """A read-only (n_frames, length) view of overlapping frames."""
    if len(samples) < length:
        return np.zeros((0, length), dtype=samples.dtype)
    return np.lib.stride_tricks.sliding_window_view(samples, length)[::hop]


def stft_magnitude(samples: np.ndarray, *, n_fft: int, hop: int) -> np.ndarray:
    """|STFT| as (1 + n_fft/2, n_frames), frames centred by zero padding of n_fft/2 at each end."""
    padded = np.pad(samples.astype(np.float32, copy=False), n_fft // 2)
    windowed = frames(padded, length=n_fft, hop=hop) * hann(n_fft).astype(np.float32)
    return np.abs(np.fft.rfft(windowed, axis=1)).T  # complex64 in, float32 out: no copy needed


def fft_frequencies(sample_rate: int, n_fft: int) -> np.ndarray:
    return np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_region = hz >= 1000.0
    mel[log_region] = 15.0 + np.log(hz[log_region] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    hz = (200.0 / 3) * mel
    log_region = mel >= 15.0
    hz[log_region] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel[log_region] - 15.0))
    return hz


@lru_cache(maxsize=8)
def mel_filters(sample_rate: int, n_fft: int, n_mels: int = 128) -> np.ndarray:
    """Slaney-normalised triangular mel filters from 0 Hz to Nyquist, (n_mels, 1 + n_fft/2)."""
    fft_hz = fft_frequencies(sample_rate, n_fft)
    mel_hz = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([sample_rate / 2]))[0],
                                    n_mels + 2))
    widths = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=128)
def chroma_filters(sample_rate: int, n_fft: int, tuning: float = 0.0, n_chroma: int = 12) -> np.ndarray:
    """Gaussian bumps per pitch class, octave-weighted around C5 (librosa.filters.chroma).

    `tuning` is in fractions of a semitone (estimate_tuning gives it in steps of 0.01).
    """
    frequencies = np.linspace(0, sample_rate, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    bins = n_chroma * np.log2(frequencies / (a440 / 16))
    bins = np.concatenate(([bins[0] - 1.5 * n_chroma], bins))
    widths = np.concatenate((np.maximum(bins[1:] - bins[:-1], 1.0), [1]))
    distance = np.subtract.outer(bins, np.arange(0, n_chroma, dtype="d")).T
    half = np.round(float(n_chroma) / 2)
    distance = np.remainder(distance + half + 10 * n_chroma, n_chroma) - half
    weights = np.exp(-0.5 * (2 * distance / np.tile(widths, (n_chroma, 1))) ** 2)
    weights = weights / np.maximum(np.linalg.norm(weights, axis=0, keepdims=True), _TINY)
    weights *= np.tile(np.exp(-0.5 * (((bins / n_chroma - 5.0) / 2.0) ** 2)), (n_chroma, 1))
    weights = np.roll(weights, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(weights[:, : 1 + n_fft // 2], dtype=np.float32)


def estimate_tuning(power: np.ndarray, sample_rate: int, *, fmin: float = 150.0, fmax: float = 4000.0,
                    threshold: float = 0.1) -> float:
    """Deviation from A = 440 Hz in semitones (−0.5…0.5, steps of 0.01) of the spectral peaks.

    librosa's estimate_tuning: parabolically interpolated local maxima (piptrack) above a tenth of
    each frame's peak, the louder half of them, folded onto one semitone, the fullest histogram bin.
    """
    n_fft = 2 * (power.shape[0] - 1)
    if power.size == 0:
        return 0.0
    freqs = fft_frequencies(sample_rate, n_fft)
    band = np.flatnonzero((fmin <= freqs) & (freqs < min(fmax, sample_rate / 2)))
    if len(band) == 0:
        return 0.0
    # Only the band's bins can be peaks; one bin on each side is all their neighbourhood needs.
    first, last = max(0, band[0] - 1), min(power.shape[0], band[-1] + 2)
    frame_peak = power.max(axis=0, keepdims=True)
    power, freqs = power[first:last], freqs[first:last]
    shift = np.zeros_like(power)
    a = power[2:] + power[:-2] - 2 * power[1:-1]
    b = (power[2:] - power[:-2]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift[1:-1] = np.where(np.abs(b) < np.abs(a), -b / a, 0.0)
    peaks = power * (power > threshold * frame_peak)
    local_max = np.zeros(power.shape, dtype=bool)
    local_max[1:-1] = (peaks[1:-1] > peaks[:-2]) & (peaks[1:-1] >= peaks[2:])
    if last == len(fft_frequencies(sample_rate, n_fft)):
        local_max[-1] = peaks[-1] > peaks[-2]  # the top bin has no upper neighbour
    local_max &= ((fmin <= freqs) & (freqs < min(fmax, sample_rate / 2)))[:, None]
    rows, cols = np.nonzero(local_max)
    pitches = (first + rows + shift[rows, cols]) * float(sample_rate) / n_fft
    magnitudes = power[rows, cols] + 0.5 * np.gradient(power, axis=0)[rows, cols] * shift[rows, cols]
    voiced = pitches > 0
    if not voiced.any():
        return 0.0
    chosen = pitches[voiced & (magnitudes >= np.median(magnitudes[voiced]))]
    residual = np.mod(12 * np.log2(chosen / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    counts, edges = np.histogram(residual, np.linspace(-0.5, 0.5, 101))
    return float(edges[np.argmax(counts)])


@lru_cache(maxsize=4)
def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Orthonormal DCT-II basis (scipy.fft.dct(type=2, norm='ortho')), first n_out rows."""
    k, n = np.arange(n_out)[:, None], np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


def power_to_db(power: np.ndarray) -> np.ndarray:
    """10·log10(power) relative to 1, floored at AMIN and at TOP_DB below the peak."""
    db = 10.0 * np.log10(np.maximum(AMIN, power))
    return np.maximum(db, db.max() - TOP_DB) if db.size else db


def normalise_columns(matrix: np.ndarray, *, order) -> np.ndarray:
    """Divide each column by its norm; columns with a negligible norm are left as they are."""
    norms = np.linalg.norm(matrix, ord=order, axis=0, keepdims=True) if order != np.inf \
        else np.max(np.abs(matrix), axis=0, keepdims=True)
    return matrix / np.where(norms < _TINY, 1.0, norms)


def autocorrelate(signal: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Autocorrelation along `axis` for lags 0..n-1, by FFT."""
    n = signal.shape[axis]
    size = 1 << (2 * n - 2).bit_length()  # ≥ 2n − 1, so no lag wraps around; a power of two is fastest
    spectrum = np.fft.rfft(signal, n=size, axis=axis)
    return np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=axis).take(np.arange(n), axis=axis)


def onset_strength(power: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean positive rise of the log-mel spectrum from frame to frame, aligned with the STFT frames.

    `power` is |STFT|² with n_fft = 2048 and the onset hop (features.HOP); librosa pads the
    envelope by lag + n_fft / (2·hop) frames, which is 1 + 4 at that hop.
    """
    n_fft = 2 * (power.shape[0] - 1)
    mel_db = power_to_db(mel_filters(sample_rate, n_fft) @ power)
    rise = np.maximum(0.0, mel_db[:, 1:] - mel_db[:, :-1]).mean(axis=0)
    return np.pad(rise, (1 + 4, 0))[: mel_db.shape[1]]


def tempogram_sum(onset_env: np.ndarray, *, win_length: int, stride: int = 4) -> tuple[np.ndarray, int]:
    """(Sum over windows, window count) of the autocorrelation tempogram, each window max-normalised.

    Sums, not means, so that several excerpts combine into one time average. Only every
    `stride`-th window is computed: windows are 8 s long and 4 frames (46 ms) apart, so the time
    average is the same to far below one lag bin, at a quarter of the FFTs (float32 for the same reason).
    """
    n = len(onset_env)
    padded = np.pad(onset_env, win_length // 2, mode="linear_ramp", end_values=(0, 0)).astype(np.float32)
    windows = frames(padded, length=win_length, hop=1)[:n:stride] * hann(win_length).astype(np.float32)
    correlation = autocorrelate(windows, axis=1)
    peaks = np.max(np.abs(correlation), axis=1, keepdims=True)
    return (correlation / np.where(peaks < _TINY, 1.0, peaks)).sum(axis=0, dtype=np.float64), len(windows)


def tempo_from_tempograms(sums: list[tuple[np.ndarray, int]], *, sample_rate: int, hop: int,
                          start_bpm: float = 120.0, max_tempo: float = 320.0) -> float:
    """The BPM of the strongest tempogram lag under a log-normal prior (librosa.feature.tempo's rule)."""
    win_length = len(sums[0][0])
    tempogram = sum(total for total, _ in sums) / max(1, sum(count for _, count in sums))
    bpms = np.full(win_length, np.inf)
    bpms[1:] = 60.0 * sample_rate / (hop * np.arange(1.0, win_length))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_prior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / 1.0) ** 2
    log_prior[: int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[int(np.argmax(np.log1p(1e6 * tempogram) + log_prior))])


def zero_crossing_rate(samples: np.ndarray, *, frame_length: int, hop: int) -> np.ndarray:
    """Share of sign changes per centred frame (edge padded; |x| ≤ 1e-10 counts as zero, zero as positive)."""
    cleaned = np.where(np.abs(samples) <= 1e-10, 0.0, samples)
    signs = np.signbit(np.pad(cleaned, frame_length // 2, mode="edge"))
    changes = np.concatenate(([False], signs[1:] != signs[:-1])).astype(np.float32)
    windows = frames(changes, length=frame_length, hop=hop)
    return (windows.sum(axis=1) - windows[:, 0]) / frame_length  # a frame's first sample has no predecessor
