"""Analysing less audio: excerpts of long tracks, and numpy features that equal librosa's."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from catalog.audio import analysis_windows, decode_for_analysis, probe_audio
from catalog.audio_synthesis import Piece, encode, synthesize
from etl.audio import spectral
from etl.audio.features import SPECTRUM_HOP, SPECTRUM_N_FFT, analyse

SR = 22_050


def test_short_tracks_are_analysed_whole_and_long_ones_by_three_spread_excerpts():
    assert analysis_windows(0.0) == [(0.0, 90.0)]  # unknown length: from the start
    assert analysis_windows(75.0) == [(0.0, 90.0)]
    assert analysis_windows(180.0) == [(15.0, 45.0), (75.0, 105.0), (135.0, 165.0)]


def test_a_long_file_yields_three_30_second_excerpts_and_its_whole_duration(tmp_path):
    # given a 2-minute file whose middle third is at another tempo
    parts = [synthesize(Piece(seconds=40, bpm=bpm, harmonics=3, seed=i)) for i, bpm in enumerate((120, 90, 120))]
    path = tmp_path / "long.flac"
    path.write_bytes(encode(np.concatenate(parts), "flac"))

    decoded_s, excerpts = decode_for_analysis(path, declared_s=probe_audio(path).duration_s)

    assert decoded_s == pytest.approx(120, abs=0.1)  # the whole file was decoded (validated)
    assert [len(e) / SR for e in excerpts] == pytest.approx([30, 30, 30], abs=0.05)
    # each excerpt holds the audio of its window: the middle one is the 90 BPM part
    assert analyse(excerpts[1], SR).tempo_bpm == pytest.approx(90, abs=2)
    assert analyse([excerpts[0], excerpts[2]], SR).tempo_bpm == pytest.approx(120, abs=2)


def test_features_of_excerpts_pool_their_frames():
    # given one signal cut in two: no junction onset, same level, same tempo
    whole = synthesize(Piece(seconds=24, bpm=120, harmonics=4), sample_rate=SR)
    joined, split = analyse(whole, SR), analyse([whole[: 12 * SR], whole[12 * SR:]], SR)
    assert split.loudness_db == joined.loudness_db and split.tempo_bpm == pytest.approx(120, abs=1)
    assert np.allclose(split.vector, joined.vector, rtol=0.06, atol=0.01)  # only the edge frames differ


_LIBROSA_REFERENCE = r"""
import json, sys
import numpy as np, librosa
from catalog.audio_synthesis import Piece, synthesize
sr = 22050
y = synthesize(Piece(seconds=12, bpm=100, harmonics=5, root_hz=233.0, seed=3), sample_rate=sr)
y = y + 0.01 * np.random.default_rng(0).standard_normal(len(y)).astype(np.float32)
S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))
P = S ** 2
onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=256)
print(json.dumps({
    "mfcc": librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr)), n_mfcc=13).mean(axis=1).tolist(),
    "centroid": float(librosa.feature.spectral_centroid(S=S, sr=sr).mean()),
    "bandwidth": float(librosa.feature.spectral_bandwidth(S=S, sr=sr).mean()),
    "rolloff": float(librosa.feature.spectral_rolloff(S=S, sr=sr).mean()),
    "flatness": float(librosa.feature.spectral_flatness(S=S).mean()),
    "zcr": float(librosa.feature.zero_crossing_rate(y, hop_length=512).mean()),
    "chroma": librosa.feature.chroma_stft(S=P, sr=sr).mean(axis=1).tolist(),
    "tempo": float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=256))[0]),
    "onset": onset.tolist(),
}))
"""


@pytest.mark.slow
def test_numpy_features_equal_librosas_so_stored_vectors_stay_comparable():
    # librosa (with numba) runs in a child process: this one must not import it
    numba_cache = Path(__file__).resolve().parents[2] / "var" / "test" / "cache" / "numba"
    done = subprocess.run([sys.executable, "-c", _LIBROSA_REFERENCE], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(numba_cache)})
    assert done.returncode == 0, done.stderr[-2000:]
    reference = json.loads(done.stdout.strip().splitlines()[-1])

    y = synthesize(Piece(seconds=12, bpm=100, harmonics=5, root_hz=233.0, seed=3), sample_rate=SR)
    y = y + 0.01 * np.random.default_rng(0).standard_normal(len(y)).astype(np.float32)
    vector = analyse(y, SR).vector
    nyquist = SR / 2
    assert vector[:13] == pytest.approx(reference["mfcc"], abs=2e-3)
    assert vector[26] == pytest.approx(reference["centroid"] / nyquist, abs=1e-4)
    assert vector[28] == pytest.approx(reference["bandwidth"] / nyquist, abs=1e-4)
    assert vector[29] == pytest.approx(reference["rolloff"] / nyquist, abs=1e-4)
    assert vector[30] == pytest.approx(reference["flatness"], abs=1e-4)
    assert vector[31] == pytest.approx(reference["zcr"], abs=1e-4)
    assert vector[34:46] == pytest.approx(reference["chroma"], abs=1e-3)
    magnitude = spectral.stft_magnitude(y, n_fft=SPECTRUM_N_FFT, hop=256)
    onset = spectral.onset_strength(magnitude ** 2, SR)
    assert onset == pytest.approx(reference["onset"], abs=1e-3)
    tempogram = spectral.tempogram_sum(onset, win_length=int(8 * SR) // 256)
    assert spectral.tempo_from_tempograms([tempogram], sample_rate=SR, hop=256) == pytest.approx(reference["tempo"])
    assert SPECTRUM_HOP == 2 * 256  # the spectral frames are every other onset frame
