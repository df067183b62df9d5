"""A GET of media changes nothing: a missing object is 404, a failing storage 503, on disk and on S3."""
from __future__ import annotations

import socket

import pytest
from botocore.config import Config

from catalog.media import MediaMissing, StorageUnavailable, media_open_range, media_stat
from catalog.models import ProcessingStatus, Track
from jonquils.storage import bucket_storage
from tests.audio import make_audio
from tests.storage.test_streaming import stored_track

pytestmark = pytest.mark.django_db

MEDIA_URLS = ("/api/v1/tracks/{pk}/stream", "/api/v1/tracks/{pk}/stream?format=mp3", "/api/v1/tracks/{pk}/download")


@pytest.fixture
def song() -> bytes:
    return make_audio("mp3", duration_s=2)


@pytest.fixture
def client(admin_client):
    return admin_client  # the download is for the track's artist and admins


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens on it once the socket is closed


def break_bucket(settings, backend: str, tmp_path, bucket: str = "tracks") -> None:
    """Point a bucket at a storage that cannot answer (not a missing object: a failure)."""
    storages = {name: {**conf, "OPTIONS": dict(conf.get("OPTIONS", {}))} for name, conf in settings.STORAGES.items()}
    options = storages[bucket]["OPTIONS"]
    if backend == "local":
        blocker = tmp_path / "not-a-directory"
        blocker.write_bytes(b"")
        options["location"] = str(blocker / bucket)  # every stat/open: NotADirectoryError
    else:
        options["endpoint_url"] = f"http://127.0.0.1:{_closed_port()}"  # the S3 server is down
        options["client_config"] = Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                          connect_timeout=1, read_timeout=1, retries={"max_attempts": 1})
    settings.STORAGES = storages


def _unchanged(track: Track) -> None:
    before = (track.processing_status, track.processing_error, track.updated_at)
    track.refresh_from_db()
    assert (track.processing_status, track.processing_error, track.updated_at) == before
    assert track.processing_status == ProcessingStatus.READY


@pytest.mark.parametrize("url", MEDIA_URLS)
def test_a_missing_object_answers_404_and_flags_nothing(storage_backend, settings, client, song, url):
    settings.STREAM_S3_REDIRECT = True  # the redirect path checks the object first, too
    track = stored_track(song)
    bucket_storage("tracks").delete(track.file_path)

    response = client.get(url.format(pk=track.pk))

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "The audio file of this track is missing from storage."}
    _unchanged(track)


@pytest.mark.parametrize("url", MEDIA_URLS)
def test_a_failing_storage_answers_503_with_retry_after_and_flags_nothing(storage_backend, settings, tmp_path, client,
                                                                          song, url):
    track = stored_track(song)
    break_bucket(settings, storage_backend, tmp_path)

    response = client.get(url.format(pk=track.pk))

    assert response.status_code == 503
    assert response.json() == {"error": "storage_unavailable",
                               "detail": "The storage did not answer; try again in a moment."}
    assert response["Retry-After"] == "5"
    _unchanged(track)


def test_a_cover_on_a_failing_storage_is_503_not_500(storage_backend, settings, tmp_path, client, song):
    track = stored_track(song)
    break_bucket(settings, storage_backend, tmp_path, "covers")

    assert client.get(f"/api/v1/tracks/{track.pk}/cover").status_code == 503


def test_an_object_that_vanishes_after_the_check_is_missing_not_a_cut_off_body(storage_backend, song):
    track = stored_track(song)
    storage = bucket_storage("tracks")
    assert media_stat(storage, track.file_path).size == len(song)
    storage.delete(track.file_path)

    with pytest.raises(MediaMissing):
        media_open_range(storage, track.file_path, 0, len(song) - 1)
    with pytest.raises(MediaMissing):
        media_stat(storage, track.file_path)


def test_reading_a_range_from_a_failing_storage_raises_storage_unavailable(storage_backend, settings, tmp_path, song):
    track = stored_track(song)
    break_bucket(settings, storage_backend, tmp_path)

    with pytest.raises(StorageUnavailable):
        media_open_range(bucket_storage("tracks"), track.file_path, 0, 10)
