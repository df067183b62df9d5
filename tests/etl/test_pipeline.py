"""music_etl_pipeline on files dropped into the bucket by hand: every row it writes, every failure."""
from __future__ import annotations

import pytest
from django.conf import settings

from catalog.covers import cover_exists
from catalog.models import Album, Artist, ProcessingStatus, Track
from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry
from etl.pipeline.extract import extract_new_tracks
from etl.pipeline.run import process_pending, run_pipeline
from jonquils.storage import bucket_storage, list_keys
from tests.audio import make_audio
from tests.etl.conftest import drop
from tests.etl.corpus import build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def corpus():
    return build_corpus()


def test_a_corpus_of_every_format_and_flavour_becomes_exact_rows_and_failures(bucket, corpus, analytics_owner):
    # given every file dropped into the bucket by hand
    checksums = {f.key: drop(f.key, f.data) for f in corpus.good + corpus.bad}

    # when
    job = run_pipeline()

    # then the job counts them all
    assert (job.job_name, job.status) == ("music_etl_pipeline", JobStatus.PARTIAL)
    assert (job.records_new, job.records_processed, job.records_failed, job.records_skipped) == (14, 10, 4, 0)
    assert job.end_time >= job.start_time and job.error_message == ""
    assert job.details["aggregates"]["status"] == "done"
    assert job.details["genre_model"]["status"] in {"trained", "skipped"}
    assert job.details["cache"] == {"invalidated": True}
    # each good file is one ready track with what its tags say (or its filename)
    for good in corpus.good:
        entry = S3FileRegistry.objects.get(bucket_name="tracks", file_path=good.key)
        track = entry.track
        assert entry.status == RegistryStatus.PROCESSED and entry.error_message == "", good.key
        assert entry.checksum == checksums[good.key] and entry.file_size == len(good.data) and entry.attempts == 1
        assert (track.title, track.artist.name, track.album.title if track.album else None, track.track_number) == \
            (good.title, good.artist, good.album, good.track_number), good.key
        assert track.artist.user is None
        assert (track.file_path, track.file_size, track.checksum, track.mime_type) == \
            (good.key, len(good.data), checksums[good.key], good.mime_type)
        assert track.processing_status == ProcessingStatus.READY
        assert abs(track.duration_ms - good.seconds * 1000) < 120, (good.key, track.duration_ms)
        assert all(cover_exists(track_id=track.pk, size=size) for size in settings.COVER_SIZES) == good.cover, good.key
    # one artist per name whatever the spacing or case in the tags, one album per artist and title
    assert sorted(Artist.objects.values_list("name", flat=True)) == \
        sorted(["Ana Lua", "Vee One", "ミナ", "Otto", "Mia Quatre", "Unknown artist"])
    assert Album.objects.filter(title="Morning").count() == 1
    assert Album.objects.get(title="Morning").tracks.count() == 3
    assert Track.objects.count() == 10
    # each broken file ends failed with its reason, no track, and stays in the bucket
    for bad in corpus.bad:
        entry = S3FileRegistry.objects.get(bucket_name="tracks", file_path=bad.key)
        assert entry.status == RegistryStatus.FAILED and entry.track is None, bad.key
        assert bad.reason in entry.error_message, (bad.key, entry.error_message)
        assert not Track.objects.filter(file_path=bad.key).exists()
    assert sorted(list_keys(bucket_storage("tracks"))) == sorted(checksums)


def test_a_second_run_finds_nothing_new_and_duplicates_nothing(local_bucket, corpus):
    for f in corpus.good[:4] + corpus.bad[:1]:
        drop(f.key, f.data)
    first = run_pipeline()
    rows = {model: sorted(model.objects.values_list("pk", flat=True)) for model in (Artist, Album, Track)}

    second = run_pipeline()

    assert (first.records_new, first.records_processed, first.records_failed) == (5, 4, 1)
    assert second.status == JobStatus.SUCCESS
    assert (second.records_new, second.records_processed, second.records_failed, second.records_skipped) == (0, 0, 0, 0)
    assert second.details["cache"] == {"invalidated": False}
    assert {model: sorted(model.objects.values_list("pk", flat=True)) for model in rows} == rows
    assert S3FileRegistry.objects.count() == 5
    assert EtlJob.objects.filter(job_name="music_etl_pipeline").count() == 2


def test_the_same_bytes_under_two_names_are_one_track(local_bucket):
    data = make_audio("mp3", tags={"title": "Twice", "artist": "Echo"})
    drop("a/one.mp3", data)
    drop("b/two.mp3", data)

    job = run_pipeline()

    assert (job.records_new, job.records_processed) == (2, 2)
    track = Track.objects.get()
    assert set(S3FileRegistry.objects.values_list("status", "track_id")) == {(RegistryStatus.PROCESSED, track.pk)}


def test_extract_streams_pages_and_batches_and_skips_derived_objects(bucket):
    # given more objects than a page and a batch, some already registered, some not originals
    for i in range(23):
        drop(f"many/{i:02d}.mp3", b"x")
    drop("transcodes/ab/abc/128k.mp3", b"x")
    drop("many/.hidden", b"x")
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="many/00.mp3", status=RegistryStatus.PROCESSED)

    counts = extract_new_tracks(page_size=5, batch_size=4)

    assert counts == {"seen": 25, "new": 22, "known": 1, "skipped": 2, "too_recent": 0}
    paths = set(S3FileRegistry.objects.filter(status=RegistryStatus.PENDING).values_list("file_path", flat=True))
    assert paths == {f"many/{i:02d}.mp3" for i in range(1, 23)}
    assert S3FileRegistry.objects.get(file_path="many/00.mp3").status == RegistryStatus.PROCESSED
    # and again: nothing new
    assert extract_new_tracks(page_size=5, batch_size=4)["new"] == 0
    assert S3FileRegistry.objects.count() == 23


def test_objects_younger_than_the_grace_period_wait_for_the_next_run(local_bucket, settings):
    settings.ETL_EXTRACT_MIN_AGE_S = 120
    drop("fresh.mp3", b"x")
    drop("old.mp3", b"x", age_s=600)

    counts = extract_new_tracks()

    assert (counts["new"], counts["too_recent"]) == (1, 1)
    assert list(S3FileRegistry.objects.values_list("file_path", flat=True)) == ["old.mp3"]


def test_process_pending_respects_the_limit_and_leaves_the_rest_pending(local_bucket):
    for i in range(3):
        drop(f"l/{i}.wav", make_audio("wav", freq=300 + 50 * i, duration_s=0.5))
    extract_new_tracks()

    result = process_pending(limit=2)

    assert (result["processed"], result["failed"], len(result["track_ids"])) == (2, 0, 2)
    assert S3FileRegistry.objects.filter(status=RegistryStatus.PENDING).count() == 1
    assert process_pending()["processed"] == 1


def test_an_object_deleted_after_registration_fails_with_a_reason(local_bucket):
    drop("gone.mp3", make_audio("mp3"))
    extract_new_tracks()
    bucket_storage("tracks").delete("gone.mp3")

    job = run_pipeline(steps=("process",))

    entry = S3FileRegistry.objects.get()
    assert (job.status, job.records_failed) == (JobStatus.PARTIAL, 1)
    assert entry.status == RegistryStatus.FAILED and "no longer in storage" in entry.error_message
    assert not Track.objects.exists()


def test_a_stale_claim_of_a_dead_worker_is_taken_over(local_bucket):
    from datetime import timedelta

    from django.utils import timezone

    drop("stale.mp3", make_audio("mp3", tags={"title": "Stale"}))
    extract_new_tracks()
    S3FileRegistry.objects.update(status=RegistryStatus.PROCESSING, attempts=1)
    assert process_pending()["processed"] == 0  # a fresh claim is respected
    S3FileRegistry.objects.update(updated_at=timezone.now() - timedelta(hours=2))

    result = process_pending()

    entry = S3FileRegistry.objects.get()
    assert result["processed"] == 1 and entry.status == RegistryStatus.PROCESSED and entry.attempts == 2
    assert entry.track.title == "Stale"


def test_a_step_that_raises_ends_the_job_failed_with_the_error(local_bucket, settings):
    settings.STORAGES = {**settings.STORAGES, "tracks": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "nowhere", "endpoint_url": "http://127.0.0.1:9", "access_key": "k", "secret_key": "s",
        "region_name": "us-east-1"}}}

    job = run_pipeline(steps=("extract",))

    assert job.status == JobStatus.FAILED and job.end_time is not None
    assert "Could not connect" in job.error_message or "EndpointConnectionError" in job.error_message
