"""The Airflow DAGs: they import cleanly, and `airflow dags test` runs the pipeline end to end
against the test database and real files (Airflow in its own processes, as in production)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from catalog.models import Track
from etl.airflow_support import airflow_command, airflow_environment
from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry
from jonquils.storage import build_storages, ensure_buckets
from tests.audio import make_audio, make_image
from tests.conftest import _test_database_url
from tests.etl.conftest import drop

DAGBAG_PROBE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": {d: sorted(t.task_id for t in bag.dags[d].tasks) for d in bag.dags},
                  "schedules": {d: repr(bag.dags[d].schedule) for d in bag.dags}}))
"""


def test_the_dagbag_imports_both_dags_without_errors(airflow_home):
    done = subprocess.run([sys.executable, "-c", DAGBAG_PROBE], env=airflow_environment(home=airflow_home),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    bag = json.loads(done.stdout.strip().splitlines()[-1])
    assert bag["errors"] == {}
    assert bag["dags"] == {
        "music_etl_pipeline": ["create_analytics_aggregates", "extract_new_tracks", "finish_job", "index_to_search",
                               "invalidate_cache", "process_audio_metadata", "start_job", "train_genre_model"],
        "system_monitoring": ["run_checks"],
    }
    assert bag["schedules"] == {"music_etl_pipeline": "'@hourly'", "system_monitoring": "datetime.timedelta(seconds=900)"}


def test_dag_files_import_neither_django_models_nor_the_etl_at_parse_time(tmp_path):
    for name in ("music_etl_pipeline", "system_monitoring"):
        probe = (f"import runpy, sys; runpy.run_path('dags/{name}.py'); "
                 "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'etl', 'catalog', 'librosa')))")
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                              env=airflow_environment(home=tmp_path))
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip().splitlines()[-1] == "[]"


def _airflow_run(airflow_home, media, *args: str) -> subprocess.CompletedProcess:
    env = airflow_environment(home=airflow_home, extra={
        "DATABASE_URL": _test_database_url(), "MEDIA_ROOT": str(media), "ETL_EXTRACT_MIN_AGE_S": "0",
        "ETL_SCHEDULER": "airflow", "PYTHONUNBUFFERED": "1"})
    return subprocess.run(airflow_command(*args), env=env, capture_output=True, text=True, timeout=600,
                          cwd=airflow_home)


@pytest.mark.django_db(transaction=True)
def test_airflow_dags_test_ingests_dropped_files_end_to_end(airflow_home, settings, tmp_path, no_jobs_before,
                                                             analytics_owner):
    # given files dropped into the bucket the Airflow processes will see
    media = tmp_path / "media"
    settings.STORAGES = build_storages(media_root=media)
    ensure_buckets()
    good = {
        "in/tagged.mp3": make_audio("mp3", tags={"title": "Airflow Song", "artist": "Dag Runner", "album": "Hourly",
                                                 "tracknumber": 9}, cover=make_image(300, 300)),
        "in/lossless.flac": make_audio("flac", tags={"title": "Über Flow", "artist": "Dag Runner", "album": "Hourly"}),
        "in/Bare_Atoms.m4a": make_audio("m4a"),
    }
    checksums = {key: drop(key, data) for key, data in good.items()}
    drop("in/readme.mp3", b"plain text, no sound\n" * 20)

    # when Airflow runs the DAG once
    done = _airflow_run(airflow_home, media, "dags", "test", "music_etl_pipeline")

    # then it succeeded and every row is there
    assert done.returncode == 0, (done.stdout[-4000:], done.stderr[-4000:])
    job = EtlJob.objects.get(job_name="music_etl_pipeline")
    assert job.details["scheduler"] == "airflow"
    assert (job.status, job.records_new, job.records_processed, job.records_failed, job.records_skipped) == \
        (JobStatus.PARTIAL, 4, 3, 1, 0), job.error_message
    assert job.end_time is not None and job.error_message == ""
    assert set(job.details) >= {"extract", "process", "genre_model", "index", "aggregates", "cache"}
    assert job.details["aggregates"]["status"] == "done", job.details["aggregates"]
    rows = {t.file_path: t for t in Track.objects.select_related("artist", "album")}
    assert set(rows) == set(good)
    assert [(rows["in/tagged.mp3"].title, rows["in/tagged.mp3"].artist.name, rows["in/tagged.mp3"].album.title,
             rows["in/tagged.mp3"].track_number)] == [("Airflow Song", "Dag Runner", "Hourly", 9)]
    assert (rows["in/lossless.flac"].title, rows["in/lossless.flac"].album_id) == ("Über Flow", rows["in/tagged.mp3"].album_id)
    assert (rows["in/Bare_Atoms.m4a"].title, rows["in/Bare_Atoms.m4a"].artist.name) == ("Bare Atoms", "Unknown artist")
    for key, track in rows.items():
        assert (track.checksum, track.file_size, track.processing_status) == (checksums[key], len(good[key]), "ready")
    bad = S3FileRegistry.objects.get(file_path="in/readme.mp3")
    assert bad.status == RegistryStatus.FAILED and "not audio" in bad.error_message

    # and a second DAG run finds nothing new
    again = _airflow_run(airflow_home, media, "dags", "test", "music_etl_pipeline")
    assert again.returncode == 0, again.stderr[-3000:]
    second = EtlJob.objects.filter(job_name="music_etl_pipeline").order_by("-id").first()
    assert (second.status, second.records_new, second.records_processed) == (JobStatus.SUCCESS, 0, 0)
    assert Track.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_airflow_monitoring_dag_raises_an_alert_for_a_seeded_fault_and_resolves_it_once_fixed(
        airflow_home, tmp_path, no_jobs_before):
    from django.utils import timezone

    from etl.models import Alert

    Alert.objects.all().delete()
    # given a data-quality fault: a registry row stuck in processing for two hours
    row = S3FileRegistry.objects.create(bucket_name="tracks", file_path="in/stuck.mp3", status=RegistryStatus.PROCESSING)
    S3FileRegistry.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=2))

    # when Airflow runs the monitoring DAG
    done = _airflow_run(airflow_home, tmp_path / "media", "dags", "test", "system_monitoring")

    # then the run is kept and the fault is one open alert
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    job = EtlJob.objects.get(job_name="system_monitoring")
    assert job.status == JobStatus.PARTIAL and job.end_time is not None
    assert job.details["health"]["components"]["database"]["ok"] is True
    assert job.details["stuck_processing"]["stuck_ids"] == [row.pk]
    [alert] = Alert.objects.filter(source="stuck_processing", resolved_at__isnull=True)
    assert alert.message == "1 files stuck in processing for over 60 minutes" and alert.count == 1

    # when the fault is fixed and the DAG runs again, the alert is resolved
    S3FileRegistry.objects.filter(pk=row.pk).update(status=RegistryStatus.PROCESSED)
    again = _airflow_run(airflow_home, tmp_path / "media", "dags", "test", "system_monitoring")
    assert again.returncode == 0, again.stderr[-3000:]
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert not Alert.objects.filter(source="stuck_processing", resolved_at__isnull=True).exists()
    Alert.objects.all().delete()
