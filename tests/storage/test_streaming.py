"""GET /api/v1/tracks/{id}/stream: what an <audio> element does, on disk, S3 redirect and S3 proxy."""
from __future__ import annotations

import hashlib
import io
import tempfile
import urllib.error
import urllib.request

import av
import pytest
from django.utils.http import http_date
from rest_framework.test import APIClient

from catalog.models import ProcessingStatus, Track
from catalog.transcode import transcode_key, transcode_slot
from jonquils.storage import bucket_storage, object_stat, save_file
from tests.audio import make_audio
from tests.factories import ArtistFactory, ArtistUserFactory, TrackFactory
from tests.storage.conftest import _use_backend

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["local", "s3-redirect", "s3-proxy"])
def stream_mode(request, settings, tmp_path):
    _use_backend(request, settings, tmp_path, "local" if request.param == "local" else "s3")
    settings.STREAM_S3_REDIRECT = request.param == "s3-redirect"
    return request.param


@pytest.fixture(params=["local", "s3-proxy"])
def proxied_mode(request, settings, tmp_path):
    """The modes where Django itself answers ranges and validators."""
    _use_backend(request, settings, tmp_path, "local" if request.param == "local" else "s3")
    settings.STREAM_S3_REDIRECT = False
    return request.param


def stored_track(data: bytes, *, ext: str = "mp3", mime: str = "audio/mpeg", **fields) -> Track:
    checksum = hashlib.sha256(data).hexdigest()
    key = f"{checksum[:2]}/{checksum}.{ext}"
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        save_file(bucket_storage("tracks"), key, handle.name, content_type=mime)
    return TrackFactory(file_path=key, checksum=checksum, mime_type=mime, file_size=len(data), **fields)


@pytest.fixture
def song() -> bytes:
    return make_audio("mp3", duration_s=10)  # ≈160 KB: several 64 KiB chunks


@pytest.fixture
def client(listener_client):
    return listener_client


def fetch(client, url: str, headers: dict | None = None):
    """GET like a browser: follow a redirect to S3 with a real HTTP client, carrying the same headers."""
    headers = headers or {}
    response = client.get(url, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    if response.status_code != 302:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, response, body
    assert response["Location"].startswith("http://127.0.0.1:")  # the SeaweedFS server, presigned
    request = urllib.request.Request(response["Location"], headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as remote:
            return remote.status, remote.headers, remote.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_every_seek_pattern_of_an_audio_element_returns_the_original_bytes(stream_mode, client, song):
    track = stored_track(song)
    url = f"/api/v1/tracks/{track.pk}/stream"
    size = len(song)

    status, headers, body = fetch(client, url)
    assert (status, body) == (200, song)
    assert headers["Content-Type"].startswith("audio/mpeg")

    patterns = [
        ("bytes=0-", 0, size - 1),                      # first request of Chrome/Firefox
        ("bytes=0-1", 0, 1),                            # Safari's probe
        ("bytes=65536-", 65536, size - 1),              # seek, open-ended
        ("bytes=-500", size - 500, size - 1),           # suffix (tags at the end)
        ("bytes=100-199", 100, 199),                    # explicit window
        (f"bytes={size - 10}-{size + 5000}", size - 10, size - 1),  # past the end: clamped
        ("bytes=131072-", 131072, size - 1),            # a second seek forward
        ("bytes=4096-", 4096, size - 1),                # and back
        (f"bytes=-{size * 2}", 0, size - 1),            # suffix longer than the file
    ]
    for header, start, end in patterns:
        status, headers, body = fetch(client, url, {"Range": header})
        assert status == 206, header
        assert headers["Content-Range"] == f"bytes {start}-{end}/{size}", header
        assert int(headers["Content-Length"]) == end - start + 1 == len(body), header
        assert body == song[start:end + 1], header


def test_unsatisfiable_ranges_answer_416(stream_mode, client, song):
    track = stored_track(song)
    for header in (f"bytes={len(song)}-", f"bytes={len(song) + 100}-{len(song) + 200}"):
        status, headers, _ = fetch(client, f"/api/v1/tracks/{track.pk}/stream", {"Range": header})
        assert status == 416, header
        assert headers["Content-Range"] == f"bytes */{len(song)}"


def test_accept_ranges_etag_and_conditional_requests(proxied_mode, client, song):
    track = stored_track(song)
    url = f"/api/v1/tracks/{track.pk}/stream"
    status, headers, _ = fetch(client, url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert headers["Accept-Ranges"] == "bytes" and etag == f'"{track.checksum}"' and modified

    assert fetch(client, url, {"If-None-Match": etag})[0] == 304
    assert fetch(client, url, {"If-None-Match": '"something-else"'})[0] == 200
    assert fetch(client, url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(client, url, {"If-Modified-Since": http_date(0)})[0] == 200
    assert fetch(client, url, {"If-Match": '"stale"'})[0] == 412

    # If-Range: the range only when the client's copy is current, else the whole body
    status, headers, body = fetch(client, url, {"Range": "bytes=10-19", "If-Range": etag})
    assert (status, body) == (206, song[10:20])
    status, headers, body = fetch(client, url, {"Range": "bytes=10-19", "If-Range": '"old"'})
    assert (status, body) == (200, song)
    status, headers, body = fetch(client, url, {"Range": "bytes=10-19", "If-Range": modified})
    assert (status, body) == (206, song[10:20])
    status, headers, body = fetch(client, url, {"Range": "bytes=10-19", "If-Range": http_date(0)})
    assert (status, body) == (200, song)


def test_malformed_and_multiple_ranges_get_the_whole_body(proxied_mode, client, song):
    track = stored_track(song)
    for header in ("bytes=abc-", "items=0-10", "bytes=0-10,20-30", "bytes=50-10", "bytes=-"):
        status, _, body = fetch(client, f"/api/v1/tracks/{track.pk}/stream", {"Range": header})
        assert (status, body) == (200, song), header


def test_head_answers_headers_without_body(local_storage, client, song):
    track = stored_track(song)
    response = client.head(f"/api/v1/tracks/{track.pk}/stream", HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and response["Content-Length"] == "100" and response.content == b""


def test_s3_redirects_to_a_presigned_url_instead_of_proxying(request, settings, tmp_path, client, song):
    _use_backend(request, settings, tmp_path, "s3")
    settings.STREAM_S3_REDIRECT = True
    track = stored_track(song)
    response = client.get(f"/api/v1/tracks/{track.pk}/stream")
    assert response.status_code == 302
    assert "X-Amz-Signature=" in response["Location"] and "X-Amz-Expires=600" in response["Location"]


# --- authentication -----------------------------------------------------------------------------

def test_anonymous_requests_are_refused(local_storage, song):
    track = stored_track(song)
    response = APIClient().get(f"/api/v1/tracks/{track.pk}/stream")
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"


def test_a_stream_token_lets_a_plain_url_play_that_track_only(stream_mode, client, song):
    track, other = stored_track(song), stored_track(make_audio("mp3", freq=300))
    url = client.get(f"/api/v1/tracks/{track.pk}/stream-url").json()["url"]
    token = url.split("token=")[1]
    anonymous = APIClient()  # an <audio src=...> sends no Authorization header

    status, _, body = fetch(anonymous, f"/api/v1/tracks/{track.pk}/stream?token={token}", {"Range": "bytes=0-"})
    assert status == 206 and body == song

    response = anonymous.get(f"/api/v1/tracks/{other.pk}/stream?token={token}")
    assert response.status_code == 403 and "another track" in response.json()["detail"]
    response = anonymous.get(f"/api/v1/tracks/{track.pk}/stream?token={token[:-2]}xx")
    assert response.status_code == 401 and "expired or is not valid" in response.json()["detail"]


def test_an_expired_stream_token_is_refused(local_storage, client, song, settings):
    track = stored_track(song)
    url = client.get(f"/api/v1/tracks/{track.pk}/stream-url").json()["url"]
    settings.STREAM_TOKEN_TTL_S = -1
    response = APIClient().get(url)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_tracks_not_ready_are_hidden_from_listeners(local_storage, client, song):
    track = stored_track(song, processing_status=ProcessingStatus.PENDING)
    assert client.get(f"/api/v1/tracks/{track.pk}/stream").status_code == 404
    assert client.get("/api/v1/tracks/999999/stream").json()["error"] == "not_found"


# --- a missing object ----------------------------------------------------------------------------

def test_an_object_deleted_by_hand_gives_404_and_changes_nothing(storage_backend, client, song):
    track = stored_track(song)
    bucket_storage("tracks").delete(track.file_path)

    response = client.get(f"/api/v1/tracks/{track.pk}/stream")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "The audio file of this track is missing from storage."}
    track.refresh_from_db()  # only the data-quality check may flag it (tests/etl/test_monitoring.py)
    assert track.processing_status == ProcessingStatus.READY and track.processing_error == ""


# --- transcoding -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "codec", "mime"), [("mp3", "mp3", "audio/mpeg"), ("opus", "opus", "audio/ogg")])
def test_transcodes_are_made_once_cached_and_range_capable(storage_backend, client, settings, fmt, codec, mime):
    settings.STREAM_S3_REDIRECT = False
    track = stored_track(make_audio("flac", duration_s=4), ext="flac", mime="audio/flac")
    url = f"/api/v1/tracks/{track.pk}/stream?format={fmt}&bitrate=96"

    status, headers, body = fetch(client, url)

    assert status == 200 and headers["Content-Type"] == mime
    with av.open(io.BytesIO(body)) as media:
        assert media.streams.audio[0].codec_context.name.startswith(codec)
        assert 3.5 < media.duration / 1e6 < 4.5
    key = transcode_key(checksum=track.checksum, fmt=fmt, bitrate=96)
    cached = object_stat(bucket_storage("temp"), key)
    assert cached is not None and cached.size == len(body)

    status, headers, part = fetch(client, url, {"Range": "bytes=100-"})
    assert status == 206 and part == body[100:]
    assert object_stat(bucket_storage("temp"), key).modified_at == cached.modified_at  # served from the cache


@pytest.mark.parametrize("query", ["format=wav", "format=mp3&bitrate=100", "bitrate=128", "format=opus&bitrate=abc"])
def test_invalid_transcode_parameters_are_400(local_storage, client, song, query):
    track = stored_track(song)
    response = client.get(f"/api/v1/tracks/{track.pk}/stream?{query}")
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_transcodes_are_bounded_by_the_slot_count(local_storage, client, song, settings):
    settings.TRANSCODE_MAX_CONCURRENT, settings.TRANSCODE_WAIT_S = 1, 0.3
    track = stored_track(song)

    with transcode_slot():  # someone else holds the only slot
        busy = client.get(f"/api/v1/tracks/{track.pk}/stream?format=opus&bitrate=128")
    free = client.get(f"/api/v1/tracks/{track.pk}/stream?format=opus&bitrate=128")

    assert busy.status_code == 503 and busy.json()["error"] == "busy"
    assert free.status_code == 200


# --- download and deletion -----------------------------------------------------------------------------

def test_download_is_for_the_owner_and_admins_with_an_rfc5987_filename(storage_backend, artist_user, artist_client,
                                                                         admin_client, client, song):
    from etl.models import TrackUpload

    from tests.storage.conftest import artist_of

    track = stored_track(song, artist=artist_of(artist_user))
    TrackUpload.objects.create(uploader=artist_user, original_filename="Café déjà vu.mp3", s3_path=track.file_path,
                               track=track, status="done")
    url = f"/api/v1/tracks/{track.pk}/download"

    status, headers, body = fetch(artist_client, url)
    assert (status, body) == (200, song)
    assert headers["Content-Disposition"] == "attachment; filename*=utf-8''Caf%C3%A9%20d%C3%A9j%C3%A0%20vu.mp3"
    assert fetch(admin_client, url)[0] == 200
    assert client.get(url).status_code == 403
    other_artist = APIClient()
    other_artist.force_authenticate(ArtistFactory(user=ArtistUserFactory()).user)
    assert other_artist.get(url).status_code == 403


def test_deleting_a_track_deletes_its_objects_and_transcodes_on_commit(storage_backend, client, song, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.STREAM_S3_REDIRECT = False
    from catalog.covers import cover_store_for_track
    from tests.audio import make_image
    from tests.storage.conftest import all_objects

    track = stored_track(song)
    cover_store_for_track(track_id=track.pk, data=make_image(640, 640))
    assert client.get(f"/api/v1/tracks/{track.pk}/stream?format=mp3&bitrate=96").status_code == 200
    assert all(all_objects()[bucket] for bucket in ("tracks", "covers", "temp"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        track.delete()
        assert all(all_objects()[bucket] for bucket in ("tracks", "covers", "temp"))  # not before commit
    for callback in callbacks:
        callback()

    assert all_objects() == {"tracks": [], "covers": [], "playlists": [], "temp": []}


def test_covers_are_served_at_three_sizes(storage_backend, client, song, settings):
    settings.STREAM_S3_REDIRECT = False
    from PIL import Image

    from catalog.covers import cover_store_for_track
    from tests.audio import make_image

    track = stored_track(song)
    assert client.get(f"/api/v1/tracks/{track.pk}/cover").status_code == 404
    cover_store_for_track(track_id=track.pk, data=make_image(1000, 500))
    for size in (64, 300, 600):
        status, headers, body = fetch(client, f"/api/v1/tracks/{track.pk}/cover?size={size}")
        image = Image.open(io.BytesIO(body))
        assert status == 200 and headers["Content-Type"] == "image/jpeg" and image.format == "JPEG"
        assert image.size == (size, size // 2)
    assert client.get(f"/api/v1/tracks/{track.pk}/cover?size=123").status_code == 400
