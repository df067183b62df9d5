"""The genre model: learnt from the catalog's own tagged tracks, versioned in object storage.

Training data are tracks whose genre came from a tag or a curator (genre set, no model
confidence) and that have a feature vector. The model is a standardising scaler and a
multinomial logistic regression (scikit-learn): small, fast, and its probabilities serve
as the confidence kept on each track. Below `GENRE_CONFIDENCE_THRESHOLD` the genre stays
empty rather than wrong. Nothing is downloaded: the only data is the catalog.

Storage (bucket `temp`, prefix `models/genre/`): `v<version>.joblib` per trained model, its
parameters as `v<version>.npz` (scaler mean and scale, coefficients, intercepts, classes) and
`latest.json` naming the current version with its evaluation. Prediction reads the .npz and
computes the probabilities in numpy, so a worker child never imports scikit-learn (≈150 MB and
3 s per process) to classify one track; the .joblib is the model as trained, and the fallback for
versions published before the .npz existed.
"""
from __future__ import annotations

import io
import json
import logging
import threading
from dataclasses import asdict, dataclass

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from catalog.models import Genre, Track
from jonquils.storage import bucket_storage

logger = logging.getLogger("jonquils.etl.genre_model")

MODEL_BUCKET = "temp"
MODEL_PREFIX = "models/genre/"
LATEST_KEY = MODEL_PREFIX + "latest.json"
MIN_TRACKS_PER_GENRE = 3

_cache_lock = threading.Lock()
_cached: dict = {"version": None, "model": None}


@dataclass(frozen=True)
class GenreModelInfo:
    version: int
    trained_at: str
    tracks: int
    genres: list[str]
    held_out_accuracy: float | None
    majority_baseline: float | None


def _training_set() -> tuple[np.ndarray, np.ndarray]:
    from .features import FEATURE_VECTOR_LENGTH

    rows = (Track.objects.filter(genre__isnull=False, genre_confidence__isnull=True, feature_vector__isnull=False)
            .values_list("feature_vector", "genre_id"))
    vectors, labels = [], []
    for vector, genre_id in rows.iterator():
        if len(vector) != FEATURE_VECTOR_LENGTH:
            continue  # another feature layout (an older pipeline, imported rows): not this model's input
        vectors.append(vector)
        labels.append(genre_id)
    return np.asarray(vectors, dtype=np.float64), np.asarray(labels)


def _new_estimator():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=1.0, class_weight="balanced"))


def evaluate(vectors: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> tuple[float, float] | None:
    """Held-out accuracy of a model trained on 70 % next to always answering the commonest genre."""
    from sklearn.model_selection import train_test_split

    _, counts = np.unique(labels, return_counts=True)
    if len(counts) < 2 or counts.min() < 3:
        return None
    x_train, x_test, y_train, y_test = train_test_split(vectors, labels, test_size=0.3, stratify=labels, random_state=seed)
    model = _new_estimator().fit(x_train, y_train)
    accuracy = float((model.predict(x_test) == y_test).mean())
    values, train_counts = np.unique(y_train, return_counts=True)
    baseline = float((y_test == values[np.argmax(train_counts)]).mean())
    return accuracy, baseline


def genre_model_train() -> GenreModelInfo | None:
    """Train on the catalog's tagged tracks and publish a new version; None when there is too little data."""
    vectors, labels = _training_set()
    genre_ids, counts = np.unique(labels, return_counts=True) if len(labels) else ([], [])
    keep = {gid for gid, n in zip(genre_ids, counts) if n >= MIN_TRACKS_PER_GENRE}
    if len(keep) < 2:
        logger.info("genre model not trained: fewer than two genres with %s tagged tracks", MIN_TRACKS_PER_GENRE)
        return None
    mask = np.isin(labels, list(keep))
    vectors, labels = vectors[mask], labels[mask]
    scores = evaluate(vectors, labels)
    model = _new_estimator().fit(vectors, labels)

    now = timezone.now()
    version = int(now.timestamp() * 1000)
    names = dict(Genre.objects.filter(pk__in=keep).values_list("pk", "name"))
    info = GenreModelInfo(
        version=version, trained_at=now.isoformat(), tracks=int(len(labels)),
        genres=sorted(names.values()), held_out_accuracy=scores[0] if scores else None,
        majority_baseline=scores[1] if scores else None,
    )
    import joblib  # here, not at module level: predicting needs neither it nor scikit-learn

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    storage = bucket_storage(MODEL_BUCKET)
    storage.save(f"{MODEL_PREFIX}v{version}.joblib", ContentFile(buffer.getvalue()))
    storage.save(f"{MODEL_PREFIX}v{version}.npz", ContentFile(_parameters(model)))
    if storage.exists(LATEST_KEY):
        storage.delete(LATEST_KEY)
    storage.save(LATEST_KEY, ContentFile(json.dumps(asdict(info)).encode()))
    logger.info("genre model trained", extra={"genre_model": asdict(info)})
    return info


def genre_model_latest() -> GenreModelInfo | None:
    storage = bucket_storage(MODEL_BUCKET)
    if not storage.exists(LATEST_KEY):
        return None
    with storage.open(LATEST_KEY, "rb") as handle:
        return GenreModelInfo(**json.loads(handle.read()))


@dataclass(frozen=True)
class LinearGenreModel:
    """The trained scaler + logistic regression as arrays: predict_proba without scikit-learn."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features), or (1, features) for two classes
    intercept: np.ndarray
    classes_: np.ndarray

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        scores = ((vectors - self.mean) / self.scale) @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:  # binary: one score, the second class's log-odds
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


def _parameters(model) -> bytes:
    scaler, regression = model[0], model[-1]
    buffer = io.BytesIO()
    np.savez(buffer, mean=scaler.mean_, scale=scaler.scale_, coef=regression.coef_,
             intercept=regression.intercept_, classes=regression.classes_)
    return buffer.getvalue()


def _input_length(model) -> int:
    """How many features the model was trained on (our arrays, or a scikit-learn pipeline)."""
    if isinstance(model, LinearGenreModel):
        return int(model.mean.shape[0])
    return int(model[0].n_features_in_)


def _load(version: int):
    with _cache_lock:
        if _cached["version"] != version:
            storage = bucket_storage(MODEL_BUCKET)
            arrays_key = f"{MODEL_PREFIX}v{version}.npz"
            if storage.exists(arrays_key):
                with storage.open(arrays_key, "rb") as handle:
                    arrays = np.load(io.BytesIO(handle.read()), allow_pickle=False)
                    _cached["model"] = LinearGenreModel(mean=arrays["mean"], scale=arrays["scale"],
                                                        coef=arrays["coef"], intercept=arrays["intercept"],
                                                        classes_=arrays["classes"])
            else:
                import joblib

                # Our own artefact from our own bucket: joblib (pickle) is acceptable here.
                with storage.open(f"{MODEL_PREFIX}v{version}.joblib", "rb") as handle:
                    _cached["model"] = joblib.load(io.BytesIO(handle.read()))
            _cached["version"] = version
        return _cached["model"]


def genre_predict(*, vector: list[float]) -> tuple[Genre, float] | None:
    """Return (genre, confidence) when the latest model is confident enough, else None."""
    info = genre_model_latest()
    if info is None or not vector:
        return None
    model = _load(info.version)
    expected = _input_length(model)
    if expected != len(vector):
        # A model of another feature layout must not fail the upload: the track keeps no guessed
        # genre until the next training (etl.tasks) publishes a model of this layout.
        logger.warning("genre model v%s expects %s features, the track has %s: no genre guessed",
                       info.version, expected, len(vector))
        return None
    probabilities = model.predict_proba(np.asarray([vector], dtype=np.float64))[0]
    best = int(np.argmax(probabilities))
    confidence = float(probabilities[best])
    if confidence < settings.GENRE_CONFIDENCE_THRESHOLD:
        return None
    genre = Genre.objects.filter(pk=int(model.classes_[best])).first()
    return (genre, round(confidence, 4)) if genre else None
