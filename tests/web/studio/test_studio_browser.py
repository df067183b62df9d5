"""Issue 13 in Chromium: an artist drops three files on the upload page (real MP3, real FLAC, a text file
named .mp3), sees the bytes go to 100 %, two become playable through the real pipeline (the suite's Celery
worker) and one plays from its row, the third fails with its reason; cancel while sending; edit a title and
find it on the album page and in search; create an album with a cover; delete a track and see it gone from a
playlist that held it. CSP on, axe-clean, screenshots at phone and desktop widths."""
from __future__ import annotations

import base64

import pytest

from catalog.models import Album, Track
from etl.models import TrackUpload
from tests.audio import make_audio, make_image
from tests.factories import AlbumFactory, PlaylistFactory, PlaylistTrackFactory, TrackFactory
from tests.pages import assert_accessible, assert_no_csp_violations, screenshot, watch_csp
from tests.player.conftest import wait_playing
from tests.storage.test_upload_from_url import allow_loopback, web  # noqa: F401 (fixtures)
from tests.web.browser import login_context

pytestmark = pytest.mark.django_db(transaction=True)

_MAKE_TRANSFER = """files => {
  const transfer = new DataTransfer();
  for (const f of files) {
    const raw = atob(f.b64), bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    transfer.items.add(new File([bytes], f.name, {type: f.type}));
  }
  return transfer;
}"""


def drop_files(page, selector: str, files: list[tuple[str, str, bytes]]) -> None:
    """Drop files on `selector` the way a user's drag and drop does (a drop event carrying a DataTransfer)."""
    payload = [{"name": name, "type": mime, "b64": base64.b64encode(data).decode()} for name, mime, data in files]
    transfer = page.evaluate_handle(_MAKE_TRANSFER, payload)
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def snap(page, name: str) -> None:
    """Screenshots at 390 and 1440 px, light and dark (tests.pages.screenshot).

    Taking them leaves an empty `style=""` on the focused search box; htmx's settle step copies the old
    element's attributes onto the new one on the next boosted navigation, which CSP then reports. The
    pages never write a style attribute, so the empty ones the screenshot left are removed.
    """
    screenshot(page, name)
    page.evaluate("() => document.querySelectorAll('[style=\"\"]').forEach(el => el.removeAttribute('style'))")


def open_studio(page, live_server, user, path: str = "/studio/"):
    watch_csp(page)
    login_context(page, live_server, user)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, response.status
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")
    return response


def row_of(page, filename: str):
    return page.locator(".upload-row", has=page.locator(".upload-name", has_text=filename))


def test_three_files_dropped_two_play_one_fails(page, csp_live_server, artist_user, celery_worker_process, settings):
    settings.STREAM_S3_REDIRECT = False
    mp3 = make_audio("mp3", duration_s=6, freq=330, tags={"title": "Harbour Lights", "artist": "Mira Sol"})
    flac = make_audio("flac", duration_s=6, freq=550, tags={"title": "Glass River", "artist": "Mira Sol"})
    text = b"These are my lyrics, not audio.\n" * 40
    open_studio(page, csp_live_server, artist_user)
    page.set_default_timeout(20_000)

    # when three files are dropped at once
    drop_files(page, "#upload-drop", [("harbour.mp3", "audio/mpeg", mp3), ("glass.flac", "audio/flac", flac),
                                      ("lyrics.mp3", "audio/mpeg", text)])

    # then each has its row, and every byte of each was sent
    for name in ("harbour.mp3", "glass.flac", "lyrics.mp3"):
        row = row_of(page, name)
        row.wait_for()
        page.wait_for_function("el => el.querySelector('.upload-percent').textContent === '100 %'", arg=row.element_handle())
        assert row.locator("progress").evaluate("p => p.value") == 100

    # the text file is refused with the reason the API gives, in words
    bad = row_of(page, "lyrics.mp3")
    bad.locator("[data-state=failed]").wait_for()
    assert "Not accepted" in bad.inner_text() and "not audio" in bad.inner_text()

    # the two audio files go through processing (polled) until they are playable, with their features
    for name, title in (("harbour.mp3", "Harbour Lights"), ("glass.flac", "Glass River")):
        row = row_of(page, name)
        row.locator("[data-state=done]").wait_for(timeout=240_000)
        text_of_row = row.inner_text()
        assert title in text_of_row and "BPM" in text_of_row and "Energy" in text_of_row and "Genre" in text_of_row
    assert set(Track.objects.filter(artist__user=artist_user).values_list("title", "processing_status")) == {
        ("Harbour Lights", "ready"), ("Glass River", "ready")}

    # one plays from its row in the persistent player
    row_of(page, "glass.flac").get_by_role("button", name="Play Glass River").click()
    wait_playing(page, 0.5)
    assert page.locator("#player [data-role=title]").inner_text() == "Glass River"
    page.evaluate("() => document.getElementById('player-audio').pause()")

    assert_no_csp_violations(page)
    assert_accessible(page, where="studio upload")
    snap(page, "studio-upload")


def test_a_file_still_sending_can_be_cancelled(page, csp_live_server, artist_user):
    open_studio(page, csp_live_server, artist_user)
    # slow the upload down (Chromium's network emulation) so it is still sending when cancelled
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                  "uploadThroughput": 256 * 1024})
    page.evaluate("""() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(8 * 1024 * 1024)], 'long-take.wav', {type: 'audio/wav'}));
      document.getElementById('upload-drop').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""")
    row = row_of(page, "long-take.wav")
    page.wait_for_function("el => { const v = el.querySelector('progress').value; return v > 0 && v < 100; }",
                           arg=row.element_handle(), timeout=30_000)
    row.get_by_role("button", name="Cancel").click()
    row.locator(".upload-state", has_text="Cancelled").wait_for()
    sent = row.locator("progress").evaluate("p => p.value")
    assert 0 < sent < 100
    page.wait_for_timeout(500)
    assert not TrackUpload.objects.filter(uploader=artist_user).exists()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})


def test_edit_a_title_and_find_it_on_the_album_page_and_in_search(page, csp_live_server, artist_user, artist):
    album = AlbumFactory(artist=artist, title="Tidal Atlas")
    track = TrackFactory(artist=artist, album=album, title="Working title 7", track_number=1)
    open_studio(page, csp_live_server, artist_user, "/studio/tracks")
    assert_accessible(page, where="studio tracks")
    snap(page, "studio-tracks")

    assert_no_csp_violations(page)
    page.get_by_role("link", name="Edit Working title 7").click()
    page.get_by_label("Title", exact=True).wait_for()
    assert_accessible(page, where="studio track edit")
    snap(page, "studio-track-edit")
    assert_no_csp_violations(page)
    page.get_by_label("Title", exact=True).fill("Lighthouse Keeper")
    page.get_by_label("Track number").fill("3")
    page.get_by_role("button", name="Save").click()
    page.locator(".toast", has_text="Lighthouse Keeper").wait_for()
    track.refresh_from_db()
    assert (track.title, track.track_number) == ("Lighthouse Keeper", 3)

    assert_no_csp_violations(page)
    page.goto(f"{csp_live_server.url}/albums/{album.pk}")
    assert_no_csp_violations(page)
    assert page.locator(".track-title", has_text="Lighthouse Keeper").count() == 1
    page.goto(f"{csp_live_server.url}/search?q=lighthouse+keeper")
    page.locator("#search-results .track-title", has_text="Lighthouse Keeper").first.wait_for()
    assert_no_csp_violations(page)


def test_create_an_album_with_a_cover(page, csp_live_server, artist_user, artist, tmp_path):
    cover = tmp_path / "night.png"
    cover.write_bytes(make_image(900, 900, fmt="PNG", color=(30, 60, 160)))
    open_studio(page, csp_live_server, artist_user, "/studio/albums")
    page.get_by_role("link", name="New album").click()
    page.get_by_label("Title").wait_for()
    assert_accessible(page, where="studio album form")
    snap(page, "studio-album-new")
    page.get_by_label("Title").fill("Night Drive")
    page.get_by_label("Release date").fill("2026-05-01")
    page.get_by_label("Cover image").set_input_files(str(cover))
    page.get_by_role("button", name="Create").click()
    page.locator(".toast", has_text="Night Drive").wait_for()
    album = Album.objects.get(title="Night Drive", artist=artist)
    assert album.cover_image
    row = page.locator(f"tr[data-album-id='{album.pk}']")
    cover_img = row.locator("img")
    # the row lands with the toast; its cover loads after it (a failed load is complete too, with width 0)
    page.wait_for_function("img => img.complete", arg=cover_img.element_handle())
    assert cover_img.evaluate("img => img.naturalWidth") == 600
    assert_accessible(page, where="studio albums")
    snap(page, "studio-albums")
    assert_no_csp_violations(page)


def test_delete_a_track_and_it_leaves_the_playlist(page, csp_live_server, artist_user, artist, listener):
    album = AlbumFactory(artist=artist, title="Short Stories")
    doomed = TrackFactory(artist=artist, album=album, title="Last Ferry")
    kept = TrackFactory(artist=artist, album=album, title="First Train")
    playlist = PlaylistFactory(owner=listener, title="Commute", is_public=True)
    PlaylistTrackFactory(playlist=playlist, track=kept, position=0)
    PlaylistTrackFactory(playlist=playlist, track=doomed, position=1)

    open_studio(page, csp_live_server, artist_user, f"/playlists/{playlist.pk}")
    assert page.locator(".track-title", has_text="Last Ferry").count() == 1
    page.goto(f"{csp_live_server.url}/studio/tracks")
    page.get_by_role("link", name="Delete Last Ferry").click()
    page.get_by_text("1 playlist entry").wait_for()
    assert_accessible(page, where="studio delete")
    snap(page, "studio-delete")
    page.get_by_role("button", name="Delete").click()
    page.locator(".toast", has_text="Last Ferry").wait_for()
    assert not Track.objects.filter(pk=doomed.pk).exists()

    page.goto(f"{csp_live_server.url}/playlists/{playlist.pk}")
    assert page.locator(".track-title", has_text="Last Ferry").count() == 0
    assert page.locator(".track-title", has_text="First Train").count() == 1
    assert_no_csp_violations(page)


def test_upload_from_a_url_on_the_same_page(page, csp_live_server, artist_user, web, allow_loopback):
    base, routes = web
    routes["/releases/night-swim.mp3"] = (200, {"Content-Type": "audio/mpeg"}, make_audio("mp3", duration_s=2))
    open_studio(page, csp_live_server, artist_user)
    url_box = page.get_by_label("Audio file URL")

    # a URL the guard refuses: the reason, and nothing queued
    url_box.fill("http://169.254.169.254/latest/meta-data/song.mp3")
    page.get_by_role("button", name="Fetch and upload").click()
    page.locator("#url-error", has_text="That URL cannot be used").wait_for()
    assert "cloud metadata" in page.locator("#url-error").inner_text()
    assert not TrackUpload.objects.filter(uploader=artist_user).exists()

    # an allowed URL (the loopback test server, allowed for this test): queued at once (the download is a
    # worker's), its row polls the status fragment. No address outside this machine is ever contacted.
    url_box.fill(f"{base}/releases/night-swim.mp3")
    page.get_by_role("button", name="Fetch and upload").click()
    row = row_of(page, "night-swim.mp3")
    row.wait_for()
    assert row.locator(".upload-status").get_attribute("hx-trigger") == "every 1s" or \
        row.locator(".upload-status").get_attribute("data-state") in ("failed", "done")
    assert page.locator("#url-error").inner_text() == "" and url_box.input_value() == ""
    upload = TrackUpload.objects.get(uploader=artist_user)
    assert upload.metadata["source_url"] == f"{base}/releases/night-swim.mp3"
    assert_no_csp_violations(page)
