"""The player in a real browser: one <audio> for the whole visit, the queue on the server, listens recorded."""
from __future__ import annotations

import pytest

from tests.player.conftest import current_time, open_page, playable_track, player_state, wait_playing

pytestmark = pytest.mark.django_db(transaction=True)


def test_playback_survives_four_boosted_navigations_and_back(signed_in, live_server):
    page = signed_in
    track = playable_track(title="Long Road", duration_s=40)
    open_page(page, live_server)
    page.evaluate("() => { window.__sameDocument = true; }")

    page.get_by_role("button", name="Play Long Road").click()
    wait_playing(page)
    page.evaluate("() => { document.getElementById('player-audio').__tag = 'the-one'; }")
    assert page.locator("#player [data-role=title]").inner_text() == "Long Road"

    last = current_time(page)
    for step in ("artists", "albums", "genres", "search", "back"):
        if step == "back":
            page.go_back()
            page.wait_for_function("() => document.querySelector('#main h1').textContent === 'genres'")
        elif step == "search":
            page.fill("#search-input", "road")
            page.press("#search-input", "Enter")
            page.wait_for_function("() => location.search === '?q=road'")
        else:
            page.get_by_role("link", name=step, exact=True).click()
            page.wait_for_function(f"() => document.querySelector('#main h1').textContent === '{step}'")
        page.wait_for_function(f"() => document.getElementById('player-audio').currentTime > {last + 0.3}")
        alive = page.evaluate("""() => ({
            tag: document.getElementById('player-audio').__tag, same: window.__sameDocument === true,
            audios: document.querySelectorAll('audio').length, paused: document.getElementById('player-audio').paused })""")
        assert alive == {"tag": "the-one", "same": True, "audios": 1, "paused": False}, (step, page.evaluate("() => [...document.querySelectorAll('audio')].map(a => a.parentElement.id + '|' + a.parentElement.parentElement.tagName + '|' + !!a.__tag)"))
        last = current_time(page)
    assert page.locator("li.track-row.is-playing").get_attribute("data-track-id") == str(track.id)
    assert page.evaluate("() => navigator.mediaSession.metadata && navigator.mediaSession.metadata.title") == "Long Road"
