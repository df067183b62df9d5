"""The admin in a real browser (Chromium): the track change page plays its audio, the dashboard renders;
screenshots at phone and desktop widths in tests/artifacts/."""
from __future__ import annotations

import pytest

from tests.pages import assert_no_csp_violations, screenshot, watch_csp
from tests.web.browser import login_context

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def curated(local_bucket):
    from catalog.covers import cover_store_for_track
    from etl.models import EtlJob, JobStatus, TrackUpload, UploadStatus
    from tests.audio import make_audio, make_image
    from tests.etl.conftest import drop
    from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

    staff = AdminFactory(username="curator")
    artist = ArtistFactory(name="Aurora Fields", aliases=["Aurora Feelds"])
    album = AlbumFactory(artist=artist, title="Northern Songs", release_date="2024-03-01")
    checksum = drop("tracks/harbour.mp3", make_audio("mp3", duration_s=3.0))
    track = TrackFactory(artist=artist, album=album, genre=GenreFactory(name="Ambient"), title="Quiet Harbour",
                         track_number=1, disc_number=1, duration_ms=3000, file_path="tracks/harbour.mp3",
                         checksum=checksum, mime_type="audio/mpeg", audio_format="mp3", tempo=92.5, energy=0.41,
                         valence=0.63, loudness_db=-14.2, genre_confidence=0.87)
    cover_store_for_track(track_id=track.pk, data=make_image(600, 600, color=(40, 90, 160)))
    for status in ("ready", "ready", "pending", "failed"):
        TrackFactory(artist=artist, processing_status=status)
    TrackUpload.objects.create(uploader=staff, original_filename="broken-demo.wav", s3_path="x",
                               status=UploadStatus.FAILED, error_message="The file is not audio: no stream found.")
    EtlJob.objects.create(job_name="music_etl_pipeline", status=JobStatus.SUCCESS, records_new=5, records_processed=5)
    return staff, track


def test_track_change_page_plays_and_dashboard_renders(live_server, page, curated, analytics_owner):
    from django.utils import timezone

    from analytics import buffer, events

    staff, track = curated
    analytics_owner.ensure_running()
    for _ in range(2):
        events.record_event(action="play", track_id=track.pk, artist_id=track.artist_id, user_id=0,
                            duration_played_ms=3000, platform="web", device_type="desktop", timestamp=timezone.now())
    buffer.request_drain(timeout_s=120)
    watch_csp(page)
    login_context(page, live_server, staff)

    page.goto(f"{live_server.url}/admin/catalog/track/{track.pk}/change/")
    audio = page.locator("audio.jq-player")
    assert audio.count() == 1
    # the signed URL answers with audio, and the element can load it
    src = audio.get_attribute("src")
    assert "token=" in src
    page.evaluate("() => { const a = document.querySelector('audio.jq-player'); a.muted = true; return a.play(); }")
    page.wait_for_function("() => document.querySelector('audio.jq-player').currentTime > 0.2", timeout=15_000)
    cover = page.locator("img.jq-cover")
    page.wait_for_function("() => document.querySelector('img.jq-cover').naturalWidth > 0")
    assert cover.count() == 1
    page.evaluate("() => document.querySelector('audio.jq-player').pause()")
    screenshot(page, "admin-track-change", themes=("light",))
    assert_no_csp_violations(page)

    page.goto(f"{live_server.url}/admin/")
    assert page.locator(".jq-dashboard").is_visible()
    assert page.get_by_text("broken-demo.wav").is_visible()
    screenshot(page, "admin-dashboard", themes=("light", "dark"))

    page.goto(f"{live_server.url}/admin/catalog/track/")
    page.wait_for_function("() => [...document.querySelectorAll('img.jq-thumb')].some(i => i.naturalWidth > 0)")
    screenshot(page, "admin-track-list", themes=("light",))
    assert_no_csp_violations(page)
