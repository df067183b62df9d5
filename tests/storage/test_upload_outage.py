"""A broker outage during an upload: the client gets its 202, nothing is lost, the sweep finishes the job."""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import ProcessingStatus, Track
from etl.models import RegistryStatus, TrackUpload, UploadStatus
from etl.pipeline.run import run_pipeline
from etl.services import upload_sweep_stale
from jonquils.celery import app
from jonquils.storage import bucket_storage, object_stat
from tests.audio import make_audio
from tests.factories import ArtistFactory, ArtistUserFactory
from tests.storage.helpers import post_upload

# Real commits, so on_commit fires exactly as in a request; available_apps makes the flush cascade
# into the etl/staging tables.
ALL_APPS = [app_config.name for app_config in apps.get_app_configs()]
pytestmark = pytest.mark.django_db(transaction=True, available_apps=ALL_APPS)


def _reset_producers() -> None:
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@contextmanager
def broker_down(tmp_path):
    """Point this process's Celery app at a Redis socket nobody listens on (the suite's Redis keeps running)."""
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis+socket://{tmp_path}/no-broker-here.sock"
    _reset_producers()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        _reset_producers()


def _age(upload_id: int, seconds: float) -> None:
    """Make an upload look as if it had waited `seconds` (the sweep only takes uploads older than its threshold)."""
    TrackUpload.objects.filter(pk=upload_id).update(updated_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def artist():
    user = ArtistUserFactory()
    ArtistFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_upload_during_a_broker_outage_is_kept_and_the_pipeline_sweep_finishes_it(local_storage, artist, tmp_path,
                                                                                      caplog):
    data = make_audio("mp3", duration_s=1.5, tags={"title": "Through the outage"})

    # given the broker is down, when the file is uploaded and the client retries it
    with broker_down(tmp_path):
        first = post_upload(artist, data)
        retry = post_upload(artist, data)

    # then both answers are 202 for the same upload, pending, and its object is in the bucket
    assert first.status_code == 202, first.content
    assert retry.status_code == 202 and retry.json()["id"] == first.json()["id"] and retry.json()["duplicate"]
    upload = TrackUpload.objects.get(pk=first.json()["id"])
    assert upload.status == UploadStatus.PENDING and upload.registry_entry.status == RegistryStatus.PENDING
    assert object_stat(bucket_storage("tracks"), upload.s3_path) is not None
    assert "not queued (broker unavailable" in caplog.text

    # when the pipeline runs (etl_run, the DAG, beat): its process step claims the pending entry
    job = run_pipeline(steps=("extract", "process"))

    # then the track is done and plays
    upload.refresh_from_db()
    assert job.records_processed == 1 and upload.status == UploadStatus.DONE
    assert upload.track.title == "Through the outage" and upload.track.processing_status == ProcessingStatus.READY
    assert artist.get(f"/api/v1/uploads/{upload.pk}").json()["status"] == "done"


def test_the_sweep_leaves_fresh_and_claimed_uploads_alone(local_storage, artist, tmp_path, settings):
    settings.UPLOAD_REQUEUE_AFTER_S = 300
    with broker_down(tmp_path):
        fresh = post_upload(artist, make_audio("mp3", freq=330)).json()["id"]
        claimed = post_upload(artist, make_audio("mp3", freq=550)).json()["id"]
        stale = post_upload(artist, make_audio("mp3", freq=770)).json()["id"]
    # a worker holds `claimed` (a live claim) although its upload row is old
    from etl.pipeline.process import claim_entry

    claim_entry(registry_id=TrackUpload.objects.get(pk=claimed).registry_entry_id)
    for upload_id in (claimed, stale):
        _age(upload_id, 600)

    with broker_down(tmp_path):
        counts = upload_sweep_stale()

    # only the stale one is taken; with the broker still down it stays for the next sweep
    assert counts["files"] == 1 and counts["queued"] == 0 and counts["broker_down"] is True
    assert TrackUpload.objects.get(pk=fresh).status == UploadStatus.PENDING
    assert TrackUpload.objects.get(pk=stale).status == UploadStatus.PENDING


@pytest.mark.slow
def test_the_beat_sweep_sends_a_lost_upload_to_the_worker_once_the_broker_is_back(celery_worker_process, artist,
                                                                                   tmp_path):
    # The worker uses the default storage settings (var/test/media), so this test does too.
    data = make_audio("opus", duration_s=1.5, tags={"title": "Swept"})
    with broker_down(tmp_path):
        upload_id = post_upload(artist, data, filename="swept.opus").json()["id"]
    time.sleep(2)
    assert TrackUpload.objects.get(pk=upload_id).status == UploadStatus.PENDING  # nothing was queued
    _age(upload_id, 600)

    counts = upload_sweep_stale()  # what the 5-minute beat task runs

    assert counts["queued"] == 1 and counts["broker_down"] is False
    deadline = time.monotonic() + 60
    while TrackUpload.objects.get(pk=upload_id).status != UploadStatus.DONE:
        assert time.monotonic() < deadline, TrackUpload.objects.get(pk=upload_id).status
        time.sleep(0.2)
    track = TrackUpload.objects.get(pk=upload_id).track
    assert track.title == "Swept"
    assert upload_sweep_stale(older_than_s=0)["files"] == 0  # done: nothing left to sweep
    key = track.file_path
    Track.objects.filter(pk=track.pk).delete()
    bucket_storage("tracks").delete(key)
