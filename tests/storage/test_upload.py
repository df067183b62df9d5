"""POST /api/v1/tracks/upload and processing, on local disk and on S3."""
from __future__ import annotations

import hashlib

import pytest

from catalog.models import Album, Artist, ProcessingStatus, Track
from etl.models import RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from etl.services import upload_process
from jonquils.storage import bucket_storage, local_copy
from tests.audio import FORMATS, extension, make_audio, make_image, make_png_bomb
from tests.storage.conftest import all_objects, artist_of
from tests.storage.helpers import UPLOAD_URL, GeneratedBody, post_upload

pytestmark = pytest.mark.django_db

MIME = {"mp3": "audio/mpeg", "flac": "audio/flac", "opus": "audio/ogg", "vorbis": "audio/ogg", "m4a": "audio/mp4",
        "alac": "audio/mp4", "aiff": "audio/aiff", "wavpack": "audio/x-wavpack",
        "wav": "audio/wav"}
TAGS = {"title": "Jonquil Dawn", "artist": "Tag Artist", "album": "Spring", "tracknumber": "4/10", "date": "2019"}


def _nothing_written():
    return all_objects() == {bucket: [] for bucket in all_objects()} and not TrackUpload.objects.exists() \
        and not S3FileRegistry.objects.exists() and not Track.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_accepted_format_is_stored_under_a_generated_key_and_becomes_a_track(storage_backend, artist_client,
                                                                                    artist_user, fmt):
    # given a real file of this format, named misleadingly
    data = make_audio(fmt, duration_s=1.5, tags=TAGS)

    # when it is uploaded and processed
    response = post_upload(artist_client, data, filename="whatever.bin", content_type="application/octet-stream")
    assert response.status_code == 202, response.content
    body = response.json()
    upload = TrackUpload.objects.get(pk=body["id"])
    assert body["status"] == "pending" and body["status_url"] == f"/api/v1/uploads/{upload.pk}"
    assert body["format"] == fmt and body["duplicate"] is False
    upload_process(upload_id=upload.pk)

    # then the object holds exactly the bytes, under a key that is not the filename
    assert upload.s3_path.endswith(f".{extension(fmt)}") and "whatever" not in upload.s3_path
    assert all_objects()["tracks"] == [upload.s3_path]
    with local_copy(bucket_storage("tracks"), upload.s3_path) as path:
        assert path.read_bytes() == data
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE and upload.checksum == hashlib.sha256(data).hexdigest()
    registry = upload.registry_entry
    assert (registry.bucket_name, registry.file_path, registry.status) == ("tracks", upload.s3_path, RegistryStatus.PROCESSED)
    track = upload.track
    assert track.artist == artist_of(artist_user)  # an artist's upload is theirs, whatever the tag says
    assert (track.title, track.track_number, track.album.title) == ("Jonquil Dawn", 4, "Spring")
    assert track.album.release_date.year == 2019
    assert track.mime_type == MIME[fmt] and track.file_size == len(data) and track.checksum == upload.checksum
    assert track.processing_status == ProcessingStatus.READY and 1400 <= track.duration_ms <= 1600
    assert registry.track == track


def test_status_endpoint_and_list_show_only_the_callers_uploads(local_storage, artist_client, admin_client, listener_client):
    upload_id = post_upload(artist_client, make_audio("flac")).json()["id"]
    post_upload(admin_client, make_audio("flac", freq=500))

    detail = artist_client.get(f"/api/v1/uploads/{upload_id}").json()
    assert {"id", "status", "track_id", "error", "original_filename"} <= set(detail)
    assert detail["status"] == "pending" and detail["track_id"] is None and detail["error"] == ""
    listed = artist_client.get("/api/v1/uploads/").json()
    assert [row["id"] for row in listed["results"]] == [upload_id]
    assert listener_client.get(f"/api/v1/uploads/{upload_id}").status_code == 404
    assert admin_client.get(f"/api/v1/uploads/{upload_id}").status_code == 200

    upload_process(upload_id=upload_id)
    detail = artist_client.get(f"/api/v1/uploads/{upload_id}").json()
    assert detail["status"] == "done" and detail["track_id"] == Track.objects.get().pk


def test_listeners_may_not_upload(local_storage, listener_client):
    response = post_upload(listener_client, make_audio("mp3"))
    assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    assert _nothing_written()


def test_same_file_twice_points_at_the_existing_track_without_new_objects(storage_backend, artist_client):
    data = make_audio("mp3", tags={"title": "Once"})
    first = post_upload(artist_client, data).json()
    upload_process(upload_id=first["id"])
    objects_before = all_objects()

    second = post_upload(artist_client, data, filename="again.mp3")

    assert second.status_code == 202
    body = second.json()
    assert body["duplicate"] is True and body["status"] == "done"
    assert body["track_id"] == TrackUpload.objects.get(pk=first["id"]).track_id
    assert all_objects() == objects_before
    assert Track.objects.count() == 1 and S3FileRegistry.objects.count() == 1


def test_same_file_while_the_first_is_still_pending_returns_that_upload(local_storage, artist_client):
    data = make_audio("mp3")
    first = post_upload(artist_client, data).json()
    second = post_upload(artist_client, data).json()
    assert second["id"] == first["id"] and second["duplicate"] is True
    assert TrackUpload.objects.count() == 1 and len(all_objects()["tracks"]) == 1


def test_processing_twice_changes_nothing(storage_backend, artist_client):
    upload_id = post_upload(artist_client, make_audio("opus")).json()["id"]
    upload_process(upload_id=upload_id)
    state = (list(Track.objects.values()), list(TrackUpload.objects.values()), all_objects())

    upload_process(upload_id=upload_id)

    assert (list(Track.objects.values()), list(TrackUpload.objects.values()), all_objects()) == state


def test_admin_upload_takes_the_artist_from_the_tags_and_title_falls_back_to_the_filename(local_storage, admin_client):
    tagged = post_upload(admin_client, make_audio("flac", tags={"artist": "Nadia Boulanger"})).json()
    untagged = post_upload(admin_client, make_audio("flac", freq=660), filename="Mélodie_du_soir.flac").json()
    upload_process(upload_id=tagged["id"])
    upload_process(upload_id=untagged["id"])

    assert TrackUpload.objects.get(pk=tagged["id"]).track.artist.name == "Nadia Boulanger"
    fallback = TrackUpload.objects.get(pk=untagged["id"]).track
    assert fallback.title == "Mélodie du soir" and fallback.artist.name == "Unknown artist" and fallback.album is None


# --- bad input: refused at once, nothing written ------------------------------------------------

@pytest.mark.parametrize(("data", "filename", "expected"), [
    (b"", "empty.mp3", "empty"),
    (b"just some text, definitely not audio\n" * 20, "notes.mp3", "not audio"),
    (make_image(64, 64, fmt="PNG"), "cover.flac", "not audio"),
    (b"ID3\x03\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 + b"garbage after a tag" * 10, "tagged.mp3", "not audio"),
    (b"fLaC" + b"\x00" * 200, "fake.flac", "cannot be read"),
], ids=["empty", "text-renamed-mp3", "png-renamed-flac", "id3-then-garbage", "flac-magic-only"])
def test_files_that_are_not_audio_are_refused_and_leave_nothing(storage_backend, artist_client, data, filename, expected):
    response = post_upload(artist_client, data, filename=filename)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and expected in " ".join(body["fields"]["file"])
    assert _nothing_written()


def test_a_two_gigabyte_body_is_refused_before_it_is_read(local_storage, artist_client, tmp_path):
    body = GeneratedBody(2 * 1024**3)

    response = artist_client.generic("POST", UPLOAD_URL, b"", content_type=body.content_type,
                                      **{"wsgi.input": body, "CONTENT_LENGTH": str(body.size), "CONTENT_TYPE": body.content_type})

    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "200 MB" in response.json()["detail"]
    assert body.position < 1024 * 1024  # refused from the declared length: not even a megabyte read
    assert _nothing_written()


def test_the_size_limit_is_enforced_while_reading(local_storage, artist_client, settings):
    settings.UPLOAD_MAX_BYTES = 100 * 1024
    data = make_audio("wav", duration_s=1.5)  # ≈260 KB: the declared body passes, the file part does not
    assert settings.UPLOAD_MAX_BYTES < len(data)

    response = post_upload(artist_client, data, filename="long.wav")

    assert response.status_code == 413 and "larger than the 0.0976562 MB limit" in response.json()["detail"]
    assert _nothing_written()


def test_a_decompression_bomb_as_cover_is_refused_at_upload(storage_backend, artist_client):
    bomb = make_png_bomb()
    assert len(bomb) < 200_000

    response = post_upload(artist_client, make_audio("mp3"), cover=bomb)

    assert response.status_code == 400
    assert "pixels" in " ".join(response.json()["fields"]["cover"])
    assert _nothing_written()


# --- bad input only decoding can tell: accepted, then failed with a reason ---------------------------

@pytest.mark.parametrize("fmt", ["mp3", "flac", "wav"])
def test_truncated_audio_ends_failed_with_a_reason_and_no_track(storage_backend, artist_client, fmt):
    data = make_audio(fmt, duration_s=3)
    response = post_upload(artist_client, data[: len(data) * 6 // 10])
    assert response.status_code == 202

    upload = upload_process(upload_id=response.json()["id"])

    assert upload.status == UploadStatus.FAILED and "truncated" in upload.error_message
    assert "upload the complete file" in upload.error_message
    assert upload.registry_entry.status == RegistryStatus.FAILED
    assert not Track.objects.exists() and not Album.objects.exists()
    assert artist_client.get(f"/api/v1/uploads/{upload.pk}").json()["error"] == upload.error_message


def test_an_object_removed_before_processing_fails_the_upload(local_storage, artist_client):
    upload_id = post_upload(artist_client, make_audio("mp3")).json()["id"]
    bucket_storage("tracks").delete(TrackUpload.objects.get(pk=upload_id).s3_path)

    upload = upload_process(upload_id=upload_id)

    assert upload.status == UploadStatus.FAILED and "no longer in storage" in upload.error_message


# --- filenames: kept for display, never a path ---------------------------------------------------------

@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/passwd.mp3", "passwd.mp3"),
    ("..\\..\\boot.ini.mp3", "boot.ini.mp3"),
    ("nul\x00byte.mp3", "nulbyte.mp3"),
    ("Ωμέγα – 日本語の歌 🎵.mp3", "Ωμέγα – 日本語の歌 🎵.mp3"),
    ("a" * 300 + ".mp3", "a" * 251 + ".mp3"),
], ids=["dotdot", "backslashes", "nul", "unicode", "300-chars"])
def test_filenames_are_sanitised_for_display_and_never_used_as_keys(storage_backend, artist_client, sent, kept):
    response = post_upload(artist_client, make_audio("mp3"), filename=sent)

    assert response.status_code == 202, response.content
    upload = TrackUpload.objects.get(pk=response.json()["id"])
    assert upload.original_filename == kept == response.json()["original_filename"]
    key = upload.s3_path
    assert ".." not in key and "\x00" not in key and kept[:-4] not in key
    assert all_objects()["tracks"] == [key]


# --- cover art ------------------------------------------------------------------------------------------

def test_embedded_cover_becomes_jpeg_thumbnails(storage_backend, artist_client):
    upload_id = post_upload(artist_client, make_audio("flac", cover=make_image(900, 700))).json()["id"]
    upload = upload_process(upload_id=upload_id)

    keys = all_objects()["covers"]
    assert keys == sorted(f"tracks/{upload.track_id}/{size}.jpg" for size in (64, 300, 600))
    from PIL import Image

    with local_copy(bucket_storage("covers"), keys[-1]) as path:  # 64.jpg sorts before 300/600
        image = Image.open(path)
        assert image.format == "JPEG" and max(image.size) in (64, 300, 600)


def test_uploaded_cover_wins_and_its_temporary_object_is_removed(storage_backend, artist_client):
    upload_id = post_upload(artist_client, make_audio("mp3"), cover=make_image(400, 400, fmt="PNG")).json()["id"]
    assert len(all_objects()["temp"]) == 1

    upload = upload_process(upload_id=upload_id)

    assert len(all_objects()["covers"]) == 3 and all_objects()["temp"] == []
    assert "cover_keys" in upload.metadata


def test_an_embedded_decompression_bomb_is_refused_but_the_track_is_kept(local_storage, artist_client):
    data = make_audio("mp3", cover=make_png_bomb(), cover_mime="image/png")
    upload_id = post_upload(artist_client, data).json()["id"]

    upload = upload_process(upload_id=upload_id)

    assert upload.status == UploadStatus.DONE and upload.track_id
    assert all_objects()["covers"] == []
    status = artist_client.get(f"/api/v1/uploads/{upload_id}").json()
    assert "pixels" in status["cover_error"]


def test_artist_without_profile_gets_one_on_first_upload(local_storage):
    from rest_framework.test import APIClient

    from tests.factories import ArtistUserFactory

    user = ArtistUserFactory()
    client = APIClient()
    client.force_authenticate(user)
    upload = upload_process(upload_id=post_upload(client, make_audio("mp3", tags={"artist": "Stage Name"})).json()["id"])
    assert Artist.objects.get(user=user).name == "Stage Name" == upload.track.artist.name
