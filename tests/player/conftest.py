"""Browser fixtures of the player tests: playable tracks with real audio, a signed-in browser page."""
from __future__ import annotations

import functools
import hashlib
import tempfile
import time
import uuid

import pytest
from django.test import Client

from catalog.models import Track
from jonquils.storage import bucket_storage, save_file
from tests.audio import make_audio
from tests.factories import AlbumFactory, UserFactory

BASE = "/player-test"


@functools.cache
def audio_bytes(duration_s: int, freq: int) -> bytes:
    return make_audio("mp3", duration_s=duration_s, freq=freq)


def playable_track(*, title: str, duration_s: int, album=None, freq: int = 440) -> Track:
    """A ready track whose mp3 is really in the tracks bucket (streams answer Range)."""
    from tests.factories import TrackFactory

    data = audio_bytes(duration_s, freq)
    checksum = hashlib.sha256(data + title.encode()).hexdigest()
    key = f"{checksum[:2]}/{checksum}-{uuid.uuid4().hex[:8]}.mp3"  # files outlive the flushed database
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        save_file(bucket_storage("tracks"), key, handle.name, content_type="audio/mpeg")
    album = album or AlbumFactory()
    return TrackFactory(title=title, artist=album.artist, album=album, file_path=key, checksum=checksum,
                        mime_type="audio/mpeg", file_size=len(data), duration_ms=duration_s * 1000)


@pytest.fixture
def harness(settings):
    settings.ROOT_URLCONF = "tests.player.harness_urls"


@pytest.fixture
def listener(db):
    return UserFactory()


@pytest.fixture
def signed_in(page, live_server, listener, harness):
    """The page, signed in as `listener` (a real session cookie), helpers attached."""
    client = Client()
    client.force_login(listener)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.set_default_timeout(15_000)
    yield page
    # Quiesce before the database is flushed: no playback, no pending saves, then no page at all.
    try:
        page.evaluate("() => { const a = document.getElementById('player-audio'); if (a) { a.pause(); } return window.JonquilsPlayer && window.JonquilsPlayer.flush(); }")
        page.evaluate("() => window.JonquilsPlayer && window.JonquilsPlayer.quiesce()")
    except Exception:  # the page may already be gone
        pass
    page.close(run_before_unload=False)
    page.wait_for_timeout(300) if not page.is_closed() else None
    time.sleep(0.5)  # let the live server finish the requests already on the wire


def open_page(page, live_server, name: str = "home") -> None:
    page.goto(f"{live_server.url}{BASE}/{name}/")
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")


def player_state(page) -> dict:
    return page.evaluate("() => window.JonquilsPlayer.state")


def current_time(page) -> float:
    return page.evaluate("() => document.getElementById('player-audio').currentTime")


def wait_playing(page, beyond_s: float = 0.3) -> None:
    page.wait_for_function(
        f"() => {{ const a = document.getElementById('player-audio'); return !a.paused && a.currentTime > {beyond_s}; }}")
