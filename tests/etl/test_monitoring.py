"""system_monitoring's missing-object check: the one place that flags a track whose audio vanished."""
from __future__ import annotations

from pathlib import Path

import pytest

from catalog.media import MISSING_FILE_ERROR
from catalog.models import ProcessingStatus
from etl.models import JobStatus
from etl.pipeline.monitoring import missing_objects, run_monitoring
from jonquils.storage import bucket_storage
from tests.audio import make_audio
from tests.factories import TrackFactory
from tests.storage.test_stream_failures import break_bucket
from tests.storage.test_streaming import stored_track

pytestmark = pytest.mark.django_db


def _three_tracks():
    return [stored_track(make_audio("mp3", duration_s=1, freq=200 + 100 * i)) for i in range(3)]


def test_a_ready_track_whose_object_is_gone_is_flagged_after_rechecking(bucket):
    kept, lost, other = _three_tracks()
    bucket_storage("tracks").delete(lost.file_path)

    job = run_monitoring()

    lost.refresh_from_db()
    assert (lost.processing_status, lost.processing_error) == (ProcessingStatus.FAILED, MISSING_FILE_ERROR)
    for track in (kept, other):
        track.refresh_from_db()
        assert track.processing_status == ProcessingStatus.READY and track.processing_error == ""
    assert job.status == JobStatus.PARTIAL
    assert "1 ready tracks lost their audio object and were flagged failed" in job.error_message
    assert job.details["missing_objects"] | {"flagged_ids": None} == {
        "checked": True, "ready_tracks": 3, "missing": 1, "flagged": 1, "flagged_ids": None, "unverified": 0,
        "suspected_misconfiguration": False}
    assert job.details["missing_objects"]["flagged_ids"] == [lost.pk]

    assert missing_objects(pause_s=0)["flagged"] == 0  # a second run finds the rest in place


def test_a_wrong_prefix_flags_nothing_and_is_reported(bucket, settings):
    tracks = _three_tracks()
    options = settings.STORAGES["tracks"]["OPTIONS"]
    settings.STORAGES = {**settings.STORAGES, "tracks": {**settings.STORAGES["tracks"],
                                                         "OPTIONS": {**options, "location": options["location"] + "-x"}}}

    job = run_monitoring()

    assert job.details["missing_objects"]["suspected_misconfiguration"] is True
    assert "3 of 3 ready tracks have no object in the tracks bucket" in job.error_message
    for track in tracks:
        track.refresh_from_db()
        assert track.processing_status == ProcessingStatus.READY


def test_a_failing_storage_flags_nothing(bucket, settings, tmp_path):
    tracks = _three_tracks()
    break_bucket(settings, bucket, tmp_path)

    report = missing_objects(pause_s=0)

    assert report["flagged"] == 0 and report["flagged_ids"] == []
    assert report.get("error") or report["suspected_misconfiguration"]
    for track in tracks:
        track.refresh_from_db()
        assert track.processing_status == ProcessingStatus.READY


def test_an_object_that_cannot_be_rechecked_is_not_flagged(local_bucket):
    _three_tracks()
    # The listing works; the re-check of this key fails with NotADirectoryError (a path component
    # is a file), which is a storage error, not "no such object".
    Path(bucket_storage("tracks").path("blocker")).write_bytes(b"not a directory")
    unsure = TrackFactory(file_path="blocker/song.mp3")

    report = missing_objects(pause_s=0)

    unsure.refresh_from_db()
    assert unsure.processing_status == ProcessingStatus.READY
    assert (report["missing"], report["unverified"], report["flagged"]) == (1, 1, 0)
