"""Audio analysis inside the pipeline: measured features on every track, tag genres, model genres."""
import io

import pytest
from mutagen.flac import FLAC

from catalog.audio_synthesis import Piece, encode, synthesize
from catalog.models import Genre, Track
from etl.pipeline.run import run_pipeline

from .conftest import drop

pytestmark = pytest.mark.django_db

SOFT = dict(harmonics=1, root_hz=220.0, bpm=70, loudness=0.3)
HARSH = dict(harmonics=9, root_hz=110.0, bpm=170, loudness=0.95)


def _flac(seed: int, genre: str | None, **sound) -> bytes:
    data = encode(synthesize(Piece(seconds=6, seed=seed, **sound)), "flac")
    if genre is None:
        return data
    audio = FLAC(io.BytesIO(data))
    audio["genre"], audio["title"], audio["artist"] = [genre], [f"{genre} {seed}"], ["Timbre Test"]
    buffer = io.BytesIO(data)
    audio.save(buffer)
    return buffer.getvalue()


def test_features_tag_genres_and_model_genres(local_bucket, settings):
    settings.GENRE_CONFIDENCE_THRESHOLD = 0.6
    # given tagged files of two timbres ("ambient" in any case maps to one genre)
    for seed in range(4):
        drop(f"soft/{seed}.flac", _flac(seed, "Ambient" if seed % 2 else "AMBIENT ", **SOFT))
        drop(f"harsh/{seed}.flac", _flac(100 + seed, "Noise Rock", **HARSH))

    first = run_pipeline(steps=("extract", "process", "genre_model"))

    assert first.details["genre_model"]["status"] == "trained"
    # one genre per name whatever its case or spacing (the first spelling seen is kept)
    assert sorted(n.lower() for n in Genre.objects.values_list("name", flat=True)) == ["ambient", "noise rock"]
    for track in Track.objects.all():
        assert track.genre is not None and track.genre_confidence is None  # from the tag
        assert len(track.feature_vector) == 46 and track.loudness_db is not None
        assert 0 <= track.energy <= 1 and 0 <= track.valence <= 1
    soft = Track.objects.filter(file_path__startswith="soft/")
    harsh = Track.objects.filter(file_path__startswith="harsh/")
    assert all(t.tempo == pytest.approx(70, abs=2) for t in soft)
    assert all(t.tempo == pytest.approx(170, abs=2) for t in harsh)
    assert max(t.energy for t in soft) < min(t.energy for t in harsh)

    # when an untagged harsh file arrives later
    drop("later/untagged.flac", _flac(999, None, **HARSH))
    run_pipeline(steps=("extract", "process"))

    # then the model names its genre and keeps its confidence
    guessed = Track.objects.get(file_path="later/untagged.flac")
    assert guessed.genre.name == "Noise Rock"
    assert 0.6 <= guessed.genre_confidence <= 1.0
