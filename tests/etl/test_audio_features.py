"""Features measured from generated audio whose tempo and level are known."""
import numpy as np
import pytest

from catalog.audio_synthesis import Piece, encode, synthesize
from catalog.audio import decode_for_analysis, probe_audio
from etl.audio.features import FEATURE_VECTOR_LENGTH, analyse, energy_from_loudness

SR = 22_050


@pytest.mark.parametrize("bpm", [90, 120, 140])
@pytest.mark.parametrize("harmonics", [1, 6])
def test_click_tracks_are_measured_within_two_bpm(bpm, harmonics):
    samples = synthesize(Piece(seconds=30, bpm=bpm, harmonics=harmonics, loudness=0.7), sample_rate=SR)
    features = analyse(samples, SR)
    assert features.tempo_bpm == pytest.approx(bpm, abs=2.0)
    assert len(features.vector) == FEATURE_VECTOR_LENGTH and all(np.isfinite(features.vector))


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "opus", "m4a", "wav"])
def test_tempo_survives_every_codec(tmp_path, fmt):
    path = tmp_path / f"click.{fmt}"
    path.write_bytes(encode(synthesize(Piece(seconds=20, bpm=120, harmonics=3, loudness=0.6)), fmt))
    info = probe_audio(path)
    decoded_s, samples = decode_for_analysis(path, declared_s=info.duration_s)
    assert decoded_s == pytest.approx(20, abs=0.1)
    assert analyse(samples, SR).tempo_bpm == pytest.approx(120, abs=2.0)


def test_silence_has_no_energy_and_no_tempo():
    features = analyse(np.zeros(SR * 10, dtype=np.float32), SR)
    assert features.energy == pytest.approx(0.0, abs=0.01)
    assert features.tempo_bpm is None and features.loudness_db == -100.0


def test_loud_noise_has_energy_near_one():
    noise = np.random.default_rng(1).uniform(-1, 1, SR * 10).astype(np.float32)
    features = analyse(noise, SR)
    assert features.energy == pytest.approx(1.0, abs=0.05)
    assert features.loudness_db == pytest.approx(-4.8, abs=0.2)  # RMS of full-scale uniform noise


def test_energy_rises_with_level_and_stays_in_range():
    quiet = analyse(synthesize(Piece(seconds=10, loudness=0.02), sample_rate=SR), SR)
    loud = analyse(synthesize(Piece(seconds=10, loudness=0.9), sample_rate=SR), SR)
    assert 0.0 <= quiet.energy < loud.energy <= 1.0
    assert 0.0 <= quiet.valence <= 1.0 and 0.0 <= loud.valence <= 1.0
    assert energy_from_loudness(-200) == 0.0 and energy_from_loudness(3) == 1.0


def test_very_short_audio_does_not_crash():
    features = analyse(np.full(100, 0.3, dtype=np.float32), SR)
    assert features.tempo_bpm is None and len(features.vector) == FEATURE_VECTOR_LENGTH
