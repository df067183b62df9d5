"""create_test_data on local disk and on S3: every demo track plays through the stream endpoint."""
from __future__ import annotations

import io

import mutagen
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import ProcessingStatus, Track
from etl.models import RegistryStatus, S3FileRegistry
from etl.pipeline.extract import extract_new_tracks
from jonquils.storage import bucket_storage, local_copy
from tests.storage.test_streaming import fetch, stream_mode  # noqa: F401 - the fixture: local, S3 redirect, S3 proxied

pytestmark = pytest.mark.django_db


def test_every_demo_track_streams_right_after_create_test_data(stream_mode):
    call_command("create_test_data", stdout=io.StringIO())
    listener = APIClient()
    listener.force_authenticate(User.objects.get(username="listener3"))  # a demo listener
    tracks = list(Track.objects.select_related("artist"))
    assert len(tracks) >= 15

    for track in tracks:
        status, _headers, body = fetch(listener, f"/api/v1/tracks/{track.pk}/stream")
        assert status == 200, (track.title, status, body[:200])
        assert len(body) == track.file_size
        audio = mutagen.File(io.BytesIO(body))
        assert audio is not None and abs(audio.info.length * 1000 - track.duration_ms) < 200
        status, _headers, body = fetch(listener, f"/api/v1/tracks/{track.pk}/cover?size=64")
        assert status == 200 and body[:3] == b"\xff\xd8\xff"  # a JPEG thumbnail of the album cover

    # nothing was flagged missing, and the pipeline knows every demo object as processed
    assert set(Track.objects.values_list("processing_status", flat=True)) == {ProcessingStatus.READY}
    registered = dict(S3FileRegistry.objects.values_list("file_path", "status"))
    assert registered == {t.file_path: RegistryStatus.PROCESSED for t in tracks}
    counts = extract_new_tracks(min_age_s=0)
    assert counts["new"] == 0 and counts["known"] == len(tracks)


def test_a_second_run_repairs_a_demo_object_that_went_missing(local_storage):
    call_command("create_test_data", stdout=io.StringIO())
    track = Track.objects.order_by("id").first()
    bucket_storage("tracks").delete(track.file_path)
    Track.objects.filter(pk=track.pk).update(processing_status=ProcessingStatus.FAILED)

    call_command("create_test_data", stdout=io.StringIO())

    track.refresh_from_db()
    assert track.processing_status == ProcessingStatus.READY
    with local_copy(bucket_storage("tracks"), track.file_path) as path:
        assert path.stat().st_size == track.file_size
