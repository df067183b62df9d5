"""Issue 18: an ALAC (M4A) upload, processed through the real pipeline, plays in Chromium as its FLAC transcode."""
from __future__ import annotations

import time
import urllib.parse

import pytest

from etl.models import UploadStatus
from etl.services import upload_process
from tests.audio import make_audio
from tests.player.conftest import current_time, open_page, wait_playing
from tests.storage.conftest import artist_client, artist_user  # noqa: F401 (fixtures)
from tests.storage.helpers import post_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(artist_user):  # noqa: F811 (the uploader listens to their own track)
    return artist_user


def test_an_alac_upload_plays_in_the_browser_as_flac(signed_in, live_server, artist_client, settings):  # noqa: F811
    settings.STREAM_S3_REDIRECT = False
    data = make_audio("alac", duration_s=6, tags={"title": "Apple Lossless Dawn", "artist": "Tag Artist", "album": "Spring"})
    response = post_upload(artist_client, data, filename="dawn.m4a", content_type="audio/mp4")
    assert response.status_code == 202, response.content
    # Processed here, or by the suite's real Celery worker when it claimed the upload first: wait for either.
    upload = upload_process(upload_id=response.json()["id"])
    for _ in range(240):
        upload.refresh_from_db()
        if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
            break
        time.sleep(0.25)
    assert upload.status == UploadStatus.DONE, upload.error_message
    track = upload.track
    assert (track.audio_format, track.mime_type, track.processing_status) == ("alac", "audio/mp4", "ready")

    page = signed_in
    open_page(page, live_server)
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/tracks/{track.id}/stream-url")) as answered:
        page.get_by_role("button", name="Play Apple Lossless Dawn").click()
    signed = answered.value.json()
    assert (signed["format"], signed["content_type"], signed["transcoded"]) == ("flac", "audio/flac", True)

    wait_playing(page, 1.2)
    assert current_time(page) > 1.2
    src = page.evaluate("() => document.getElementById('player-audio').currentSrc")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(src).query)["format"] == ["flac"]
    assert page.evaluate("() => document.getElementById('player-audio').error") is None
    assert page.locator("#player [data-role=title]").inner_text() == "Apple Lossless Dawn"
