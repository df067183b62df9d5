"""Operators' entry points: `manage.py etl_run`, the Celery beat entries, the tasks, monitoring."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Track
from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry
from etl.pipeline.monitoring import run_monitoring
from tests.audio import make_audio
from tests.etl.conftest import drop

ROOT = Path(__file__).resolve().parents[2]


def _etl_run(*args: str) -> str:
    out = StringIO()
    call_command("etl_run", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_etl_run_runs_every_step_and_prints_the_job_summary(local_bucket, analytics_owner):
    drop("cmd/a.mp3", make_audio("mp3", tags={"title": "A", "artist": "Cmd"}))
    drop("cmd/b.txt.mp3", b"not audio at all" * 10)

    output = _etl_run()

    job = EtlJob.objects.get()
    lines = output.splitlines()
    assert lines[0] == f"etl job {job.pk} (music_etl_pipeline): partial"
    assert lines[1:6] == ["  steps:     extract, process, genre_model, index, aggregates, cache", "  new:       2",
                          "  processed: 1", "  failed:    1", "  skipped:   0"]
    assert lines[6].startswith("  duration:  ") and lines[6].endswith(" s")
    assert lines[7] == "  genre model: skipped"  # one tagged track: too little to learn from
    assert lines[8].startswith("  aggregates: done, ")
    assert Track.objects.get().title == "A"


@pytest.mark.django_db
def test_etl_run_steps_and_limit(local_bucket):
    for i in range(3):
        drop(f"s/{i}.wav", make_audio("wav", duration_s=0.3, freq=250 + 60 * i))

    extract_only = _etl_run("--step", "extract")
    assert "steps:     extract\n" in extract_only and "new:       3" in extract_only
    assert S3FileRegistry.objects.filter(status=RegistryStatus.PENDING).count() == 3 and not Track.objects.exists()

    limited = _etl_run("--step", "process", "--step", "cache", "--limit", "2")
    assert "steps:     process, cache\n" in limited and "processed: 2" in limited
    assert Track.objects.count() == 2

    with pytest.raises(CommandError, match="at least 1"):
        _etl_run("--limit", "0")
    with pytest.raises(CommandError, match="invalid choice"):
        _etl_run("--step", "transform")
    assert EtlJob.objects.count() == 2  # refused commands start no job


@pytest.mark.django_db
def test_etl_run_exits_non_zero_when_a_step_fails(local_bucket, settings):
    settings.STORAGES = {**settings.STORAGES, "tracks": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "nowhere", "endpoint_url": "http://127.0.0.1:9", "access_key": "k", "secret_key": "s"}}}
    out = StringIO()

    with pytest.raises(CommandError, match="failed"):
        call_command("etl_run", "--step", "extract", stdout=out)

    assert ": failed" in out.getvalue().splitlines()[0] and "  error:" in out.getvalue()
    assert EtlJob.objects.get().status == JobStatus.FAILED


def _beat_entries(scheduler: str) -> subprocess.CompletedProcess:
    probe = "import json; from jonquils.celery import app; print(json.dumps({k: v['task'] for k, v in app.conf.beat_schedule.items()}))"
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, ETL_SCHEDULER=scheduler))


def test_celery_beat_runs_the_etl_schedule_unless_airflow_does():
    celery = _beat_entries("celery")
    airflow = _beat_entries("airflow")
    wrong = _beat_entries("cron")

    assert celery.returncode == 0, celery.stderr[-2000:]
    # the upload sweep stays with beat either way: the hourly DAG alone would leave lost uploads waiting an hour
    always = {"accounts-flush-expired-tokens": "accounts.flush_expired_tokens",
              "etl-sweep-stale-uploads": "etl.sweep_stale_uploads"}
    assert json.loads(celery.stdout.splitlines()[-1]) == {
        **always, "etl-music-etl-pipeline": "etl.music_etl_pipeline", "etl-system-monitoring": "etl.system_monitoring"}
    assert json.loads(airflow.stdout.splitlines()[-1]) == always
    assert wrong.returncode != 0 and "ETL_SCHEDULER must be 'celery' or 'airflow'" in wrong.stderr


def test_the_beat_tasks_are_registered_under_their_explicit_names():
    from jonquils.celery import app

    app.loader.import_default_modules()
    assert {"etl.music_etl_pipeline", "etl.system_monitoring", "etl.process_upload"} <= set(app.tasks)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_pipeline_task_runs_in_a_real_worker_and_writes_its_job(celery_worker_process):
    from etl.tasks import music_etl_pipeline_task

    result = music_etl_pipeline_task.delay(limit=5).get(timeout=120)

    job = EtlJob.objects.get(pk=result["etl_job_id"])
    assert job.job_name == "music_etl_pipeline" and job.status == result["status"] and job.end_time is not None
    assert job.status in (JobStatus.SUCCESS, JobStatus.PARTIAL) and job.error_message == ""
    assert job.details["limit"] == 5


@pytest.mark.django_db
def test_monitoring_reports_files_stuck_in_processing_and_recent_failures():
    healthy = run_monitoring()
    stuck = S3FileRegistry.objects.create(bucket_name="tracks", file_path="stuck.mp3", status=RegistryStatus.PROCESSING)
    S3FileRegistry.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="recent.mp3", status=RegistryStatus.PROCESSING)
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="bad.mp3", status=RegistryStatus.FAILED,
                                  error_message="The file is not audio")
    old = S3FileRegistry.objects.create(bucket_name="tracks", file_path="old-bad.mp3", status=RegistryStatus.FAILED)
    S3FileRegistry.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=3))

    report = run_monitoring()

    assert healthy.details["stuck_processing"]["stuck_processing"] == 0
    assert report.job_name == "system_monitoring" and report.status == JobStatus.PARTIAL
    assert report.details["stuck_processing"] == {"stuck_processing": 1, "stuck_ids": [stuck.pk], "pending": 0}
    assert report.details["recent_failures"] == {"failed_recently": 1}
    assert "1 files stuck in processing for over 60 minutes" in report.error_message
    assert "1 files failed in the last 60 minutes" in report.error_message
    assert report.records_failed == 1 and report.details["health"]["components"]["database"]["ok"] is True
