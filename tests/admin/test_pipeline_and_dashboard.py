"""Pipeline admin (runs, files, uploads), the staff dashboard, and refusal of everyone but staff."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Track
from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry, TrackUpload, UploadStatus
from tests.factories import AdminFactory, ArtistFactory, TrackFactory, UserFactory

from .conftest import changelist, run_action

LONG_ERROR = "Traceback (most recent call last):\n" + "\n".join(f"  line {i}: something went wrong" for i in range(60))


# --- run the pipeline now, with the real worker --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_run_now_creates_the_job_row_at_once_and_the_worker_runs_that_row(celery_worker_process, client):
    EtlJob.objects.all().delete()  # etl_jobs references nothing, so a transactional flush leaves old rows
    staff = AdminFactory()
    client.force_login(staff)
    response = client.post(reverse("admin:etl_etljob_run_now"))
    assert response.status_code == 302
    job = EtlJob.objects.get()
    assert job.details["requested_by"] == staff.username
    assert job.status in (JobStatus.RUNNING, JobStatus.SUCCESS, JobStatus.PARTIAL, JobStatus.FAILED)
    page = client.get(response.url).content.decode()
    assert f"#{job.pk} started" in page or f"Pipeline run #{job.pk}" in page
    deadline = time.monotonic() + 180
    while EtlJob.objects.get(pk=job.pk).end_time is None and time.monotonic() < deadline:
        time.sleep(0.5)
    job.refresh_from_db()
    assert job.end_time is not None, "the worker did not finish the run"
    assert EtlJob.objects.count() == 1  # the worker ran the row staff saw, it did not make another
    assert job.details.get("extract") is not None or job.error_message  # the steps wrote into this row


@pytest.mark.django_db
def test_run_now_is_a_post_only_and_admin_only(staff_client, client):
    assert staff_client.get(reverse("admin:etl_etljob_run_now")).status_code == 405
    assert not EtlJob.objects.exists()
    listener = UserFactory()
    client.force_login(listener)
    assert client.post(reverse("admin:etl_etljob_run_now")).status_code == 302  # to the login page
    assert not EtlJob.objects.exists()


# --- files and uploads ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_retry_selected_failed_files(staff_client, staff, django_capture_on_commit_callbacks):
    failed = S3FileRegistry.objects.create(bucket_name="tracks", file_path="tracks/bad.mp3",
                                           status=RegistryStatus.FAILED, error_message="truncated", attempts=1)
    upload = TrackUpload.objects.create(uploader=staff, original_filename="bad.mp3", s3_path="tracks/bad.mp3",
                                        status=UploadStatus.FAILED, error_message="truncated", registry_entry=failed)
    done = S3FileRegistry.objects.create(bucket_name="tracks", file_path="tracks/ok.mp3",
                                         status=RegistryStatus.PROCESSED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = run_action(staff_client, S3FileRegistry, "retry_failed", [failed, done])
    assert response.status_code == 302
    failed.refresh_from_db(), upload.refresh_from_db(), done.refresh_from_db()
    assert (failed.status, failed.error_message) == (RegistryStatus.PENDING, "")
    assert (upload.status, upload.error_message) == (UploadStatus.PENDING, "")
    assert done.status == RegistryStatus.PROCESSED  # only failed files are retried
    assert len(callbacks) == 1  # the upload is sent to the workers once the change commits


@pytest.mark.django_db
def test_pipeline_pages_show_durations_counts_and_full_errors(staff_client, staff):
    job = EtlJob.objects.create(job_name="music_etl_pipeline", status=JobStatus.FAILED, records_new=3,
                                records_failed=1, error_message=LONG_ERROR)
    EtlJob.objects.filter(pk=job.pk).update(end_time=job.start_time + timedelta(seconds=42))
    entry = S3FileRegistry.objects.create(bucket_name="tracks", file_path="tracks/x.flac", status=RegistryStatus.FAILED,
                                          error_message=LONG_ERROR)
    track = TrackFactory()
    upload = TrackUpload.objects.create(uploader=staff, original_filename="x.flac", s3_path="tracks/x.flac",
                                        status=UploadStatus.FAILED, error_message="Not audio", registry_entry=entry,
                                        track=track)
    listing = staff_client.get(changelist(EtlJob)).content.decode()
    assert "42.0 s" in listing and "Run the pipeline now" in listing
    assert staff_client.get(changelist(EtlJob), {"status__exact": "failed"}).status_code == 200
    job_page = staff_client.get(reverse("admin:etl_etljob_change", args=[job.pk])).content.decode()
    assert "line 59: something went wrong" in job_page  # the whole error, not a cut
    entry_page = staff_client.get(reverse("admin:etl_s3fileregistry_change", args=[entry.pk])).content.decode()
    assert "line 59: something went wrong" in entry_page
    upload_page = staff_client.get(reverse("admin:etl_trackupload_change", args=[upload.pk])).content.decode()
    assert "Not audio" in upload_page and staff.username in upload_page
    assert reverse("admin:catalog_track_change", args=[track.pk]) in upload_page  # the link to the track
    assert "received" in upload_page  # the status history


# --- the dashboard -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_shows_statuses_failed_uploads_runs_and_listens(staff_client, staff, settings):
    artist = ArtistFactory()
    TrackFactory.create_batch(3, artist=artist, processing_status="ready")
    TrackFactory(artist=artist, processing_status="failed")
    TrackFactory(artist=artist, processing_status="ready", hidden=True)
    recent = TrackUpload.objects.create(uploader=staff, original_filename="recent-fail.mp3", s3_path="a",
                                        status=UploadStatus.FAILED, error_message="Not an audio file")
    old = TrackUpload.objects.create(uploader=staff, original_filename="old-fail.mp3", s3_path="b",
                                     status=UploadStatus.FAILED)
    TrackUpload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    job = EtlJob.objects.create(job_name="music_etl_pipeline", status=JobStatus.SUCCESS, records_new=7)
    body = staff_client.get(reverse("admin:index")).content.decode()
    assert "Tracks by processing status" in body
    assert ">4</td>" in body  # ready: 3 + the hidden one
    assert 'hidden__exact=1">hidden</a>' in body
    assert reverse("admin:etl_trackupload_change", args=[recent.pk]) in body and "Not an audio file" in body
    assert "old-fail.mp3" not in body
    assert f"music_etl_pipeline #{job.pk}" in body
    assert "Listens today" in body
    assert "No open alerts" in body  # monitoring has raised nothing here
    # no inline script or style from our templates (the admin runs under CSP)
    import re

    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert ' style="' not in body


@pytest.mark.django_db
def test_dashboard_counts_listens_from_analytics(staff_client, analytics_owner):
    from analytics import buffer, events
    from analytics.clickhouse import get_client

    analytics_owner.ensure_running()
    buffer.request_drain(timeout_s=120)
    get_client().command("TRUNCATE TABLE IF EXISTS track_analytics")
    track = TrackFactory()
    for _ in range(3):
        events.record_event(action="play", track_id=track.pk, artist_id=track.artist_id, user_id=0,
                            duration_played_ms=1000, platform="web", device_type="desktop", timestamp=timezone.now())
    buffer.request_drain(timeout_s=120)
    body = staff_client.get(reverse("admin:index")).content.decode()
    assert '<p class="jq-big">3</p>' in body


# --- everyone but staff is refused ---------------------------------------------------------------


def _admin_urls():
    track = TrackFactory()
    job = EtlJob.objects.create(job_name="x")
    urls = [reverse("admin:index"), reverse("admin:etl_etljob_run_now"),
            reverse("admin:autocomplete") + "?term=a&app_label=catalog&model_name=track&field_name=album",
            reverse("admin:catalog_track_change", args=[track.pk]),
            reverse("admin:etl_etljob_change", args=[job.pk]),
            reverse("admin:accounts_auditevent_changelist")]
    from django.contrib import admin

    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return urls, track


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "listener", "artist"])
def test_non_staff_are_sent_to_the_login_page_everywhere(client, who):
    from tests.factories import ArtistUserFactory

    if who != "anonymous":
        client.force_login(UserFactory() if who == "listener" else ArtistUserFactory())
    urls, track = _admin_urls()
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (method, url)
    # an action post changes nothing
    response = run_action(client, Track, "hide", [track])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Track.objects.get(pk=track.pk).hidden is False
    assert not EtlJob.objects.exclude(job_name="x").exists()


@pytest.mark.django_db
def test_staff_without_permissions_get_403(client):
    helper = UserFactory(is_staff=True)
    client.force_login(helper)
    track = TrackFactory()
    assert client.get(changelist(Track)).status_code == 403
    assert client.get(reverse("admin:catalog_track_change", args=[track.pk])).status_code == 403
    assert client.post(reverse("admin:etl_etljob_run_now")).status_code == 403
    assert not EtlJob.objects.exists()


@pytest.mark.django_db
def test_dashboard_and_confirmation_pages_speak_russian(staff_client):
    body = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Треки по статусу обработки" in body and "Загрузки с ошибкой за последние 24 часа" in body
    track = TrackFactory()
    page = run_action(staff_client, Track, "hide", [track], confirm=False, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Да, выполнить" in page.content.decode()


@pytest.mark.django_db
def test_dashboard_lists_open_alerts_most_severe_first_and_leaves_resolved_ones_out(staff_client):
    from etl.models import Alert

    Alert.objects.create(severity="warning", source="data_quality.stuck_processing", key="a", message="3 files stuck")
    Alert.objects.create(severity="critical", source="service.postgres", key="", message="PostgreSQL is not answering")
    Alert.objects.create(severity="critical", source="service.redis", key="", message="Redis was down",
                         resolved_at=timezone.now())
    body = staff_client.get(reverse("admin:index")).content.decode()
    card = body.split('data-card="alerts"')[1].split("</div>")[0]
    assert "Open alerts (2)" in card
    assert card.index("PostgreSQL is not answering") < card.index("3 files stuck")
    assert "Redis was down" not in card
    assert reverse("admin:etl_alert_changelist") + "?state=open" in card
