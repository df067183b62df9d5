"""The whole path with a real Celery worker: upload → commit → task → track playable."""
from __future__ import annotations

import time

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from catalog.models import Track
from jonquils.storage import bucket_storage, object_stat
from tests.audio import make_audio
from tests.factories import ArtistFactory, ArtistUserFactory, UserFactory
from tests.storage.helpers import post_upload

# available_apps makes the flush after the test TRUNCATE ... CASCADE: the etl/staging tables (other
# schemas, unseen by Django's table introspection) reference tracks and users.
ALL_APPS = [app.name for app in apps.get_app_configs()]
pytestmark = [pytest.mark.django_db(transaction=True, available_apps=ALL_APPS), pytest.mark.slow]


def _wait_for(client, upload_id: int, *, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/uploads/{upload_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    pytest.fail(f"upload {upload_id} still {body['status']} after {timeout_s} s")


def test_an_upload_is_processed_by_the_worker_and_playable_seconds_later(celery_worker_process):
    # The worker uses the default storage settings (var/test/media), so this test does too.
    user = ArtistUserFactory()
    ArtistFactory(user=user)
    artist, listener = APIClient(), APIClient()
    artist.force_authenticate(user)
    listener.force_authenticate(UserFactory())
    data = make_audio("opus", duration_s=2, tags={"title": "Worker song"})
    started = time.monotonic()

    good = post_upload(artist, data, filename="worker.opus").json()
    truncated = post_upload(artist, make_audio("flac", duration_s=3)[:60_000], filename="cut.flac").json()
    done, failed = _wait_for(artist, good["id"]), _wait_for(artist, truncated["id"])
    elapsed = time.monotonic() - started

    assert done["status"] == "done" and done["track_id"], done
    assert failed["status"] == "failed" and "truncated" in failed["error"], failed
    track = Track.objects.get(pk=done["track_id"])
    assert track.title == "Worker song"
    # format=raw: with nothing asked, Ogg streams as MP3 (Safari plays no Ogg; README, Audio formats)
    response = listener.get(f"/api/v1/tracks/{track.pk}/stream?format=raw", HTTP_RANGE="bytes=0-")
    assert response.status_code == 206 and b"".join(response.streaming_content) == data
    assert elapsed < 30

    # clean up the shared media directory the worker wrote to (and show deletion removes the object)
    key = track.file_path
    track.delete()
    assert object_stat(bucket_storage("tracks"), key) is None
    from etl.models import TrackUpload

    for upload in TrackUpload.objects.all():
        bucket_storage("tracks").delete(upload.s3_path)
