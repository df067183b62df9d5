"""Two runs at once on the same files: every file is taken once, nothing is created twice."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connections, transaction

from catalog.models import Album, Artist, Track
from etl.models import EtlJob, RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from etl.pipeline.extract import extract_new_tracks
from etl.pipeline.process import claim_next, registry_entry_process
from etl.pipeline.run import process_pending
from etl.services import upload_create, upload_process
from jonquils.storage import build_storages, ensure_buckets
from tests.audio import make_audio
from tests.conftest import _test_database_url
from tests.etl.conftest import drop
from tests.factories import ArtistFactory, ArtistUserFactory

ROOT = Path(__file__).resolve().parents[2]


def _same_artist_files(n: int) -> None:
    """n different recordings of one artist and album, plus one exact duplicate of the first."""
    for i in range(n):
        data = make_audio("wav", duration_s=0.4, freq=200 + 40 * i,
                          tags={"title": f"Part {i}", "artist": "Racing Hearts", "album": "Photo Finish"})
        drop(f"race/{i}.wav", data)
        if i == 0:
            drop("race/copy-of-0.wav", data)


def _assert_one_of_everything(n: int) -> None:
    assert Artist.objects.filter(name__iexact="Racing Hearts").count() == 1
    assert Album.objects.filter(title="Photo Finish").count() == 1
    assert Track.objects.count() == n
    assert sorted(Track.objects.values_list("title", flat=True)) == sorted(f"Part {i}" for i in range(n))
    assert S3FileRegistry.objects.filter(status=RegistryStatus.PROCESSED).count() == n + 1
    assert set(S3FileRegistry.objects.values_list("attempts", flat=True)) == {1}  # nobody took a file twice


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_take_each_file_once_and_create_each_row_once(local_bucket):
    n = 8
    _same_artist_files(n)
    extract_new_tracks()
    start = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(process_pending())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r["processed"] for r in results) == n + 1 and sum(r["failed"] for r in results) == 0
    assert sorted(i for r in results for i in r["track_ids"]) == sorted(Track.objects.values_list("pk", flat=True))
    _assert_one_of_everything(n)


@pytest.mark.django_db(transaction=True)
def test_two_etl_run_processes_at_once_share_the_files_without_duplicates(settings, tmp_path, no_jobs_before):
    # given files on disk that the subprocesses see through MEDIA_ROOT
    settings.ETL_EXTRACT_MIN_AGE_S = 0
    media = tmp_path / "media"
    settings.STORAGES = build_storages(media_root=media)
    ensure_buckets()
    n = 6
    _same_artist_files(n)
    env = dict(os.environ, DATABASE_URL=_test_database_url(), MEDIA_ROOT=str(media), ETL_EXTRACT_MIN_AGE_S="0",
               PYTHONUNBUFFERED="1")

    # when two operators run the pipeline at the same moment
    procs = [subprocess.Popen([sys.executable, "manage.py", "etl_run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in procs]

    # then both succeed, each file was processed by exactly one of them
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    jobs = list(EtlJob.objects.filter(job_name="music_etl_pipeline"))
    assert len(jobs) == 2 and all(job.status == "success" for job in jobs)
    assert sum(job.records_processed for job in jobs) == n + 1
    assert sum(job.records_new for job in jobs) >= n + 1
    _assert_one_of_everything(n)


@pytest.mark.django_db(transaction=True)
def test_an_upload_claimed_by_a_pipeline_run_is_finished_by_that_run_for_its_uploader(local_bucket, tmp_path):
    # given an artist's upload whose file a pipeline run claims before the upload's own task runs
    user = ArtistUserFactory()
    ArtistFactory(user=user, name="The Uploader")
    source = tmp_path / "song.mp3"
    source.write_bytes(make_audio("mp3", tags={"title": "Mine", "artist": "Someone Else"}))
    with transaction.atomic():  # the claim is taken before the upload's task can even be enqueued
        upload = upload_create(uploader=user, source_path=source, original_filename="song.mp3",
                               checksum=hashlib.sha256(source.read_bytes()).hexdigest(),
                               file_size=source.stat().st_size).upload
        registry_id, token = claim_next()

    # when the upload task comes while the run holds the file, then the run finishes
    waiting = upload_process(upload_id=upload.pk)
    assert waiting.status == UploadStatus.PROCESSING and waiting.track is None
    result = registry_entry_process(registry_id=registry_id, token=token)

    # then one track, owned by the uploading artist (not the tag's), upload and registry done
    upload.refresh_from_db()
    assert result.status == "processed" and upload.status == UploadStatus.DONE
    assert upload.track.artist.name == "The Uploader" and upload.track.title == "Mine"
    assert not Artist.objects.filter(name="Someone Else").exists()
    assert upload_process(upload_id=upload.pk).track_id == upload.track_id  # a late task changes nothing
    assert Track.objects.count() == 1 and TrackUpload.objects.count() == 1
