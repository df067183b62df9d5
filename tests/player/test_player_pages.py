"""The player on the real listener pages: playback survives navigation (incl. Back) under CSP default-src 'self',
the bar and the open queue pass axe, and screenshots of the bar at phone and desktop widths."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.pages import assert_accessible, assert_no_csp_violations, csp_live_server, screenshot, watch_csp  # noqa: F401
from tests.player.conftest import current_time, playable_track, wait_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(page, csp_live_server, listener):
    client = Client()
    client.force_login(listener)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": csp_live_server.url}])
    watch_csp(page)
    yield page
    try:
        page.evaluate("() => window.JonquilsPlayer && window.JonquilsPlayer.quiesce()")
    except Exception:
        pass
    page.close(run_before_unload=False)
    import time
    time.sleep(0.5)


def _h1(page) -> str:
    return page.locator("#main h1").first.inner_text()


def test_playback_survives_the_real_pages_and_back_under_csp(browser_page, csp_live_server):
    page = browser_page
    first = playable_track(title="Daffodil Morning", duration_s=40)
    playable_track(title="Narcissus Noon", duration_s=40, album=first.album)
    base = csp_live_server.url

    page.goto(f"{base}/albums/{first.album_id}")
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")
    page.locator(f'.track-row[data-track-id="{first.id}"] [data-player-action=play]').click()
    wait_playing(page)
    page.evaluate("() => { document.getElementById('player-audio').__tag = 'the-one'; window.__sameDocument = true; }")
    assert page.locator("#player [data-role=artist]").get_attribute("href") == f"/artists/{first.artist_id}"

    last, titles = current_time(page), []
    for step in ("artist", "browse", "search", "home", "back"):
        if step == "artist":
            page.locator("#player [data-role=artist]").click()
            page.wait_for_url(f"{base}/artists/{first.artist_id}")
        elif step == "browse":
            page.locator("nav.sidebar a[href='/browse/']").click()
            page.wait_for_url(f"{base}/browse/")
        elif step == "search":
            page.fill("#search-input", "daffodil")
            page.press("#search-input", "Enter")
            page.wait_for_url("**/search**q=daffodil**")
        elif step == "home":
            page.locator("nav.sidebar a.brand").click()
            page.wait_for_url(f"{base}/")
        else:
            page.go_back()
            page.wait_for_url("**/search**q=daffodil**")
        page.wait_for_function(f"() => document.getElementById('player-audio').currentTime > {last + 0.3}")
        alive = page.evaluate("""() => ({tag: document.getElementById('player-audio').__tag, same: window.__sameDocument === true,
            audios: document.querySelectorAll('audio').length, paused: document.getElementById('player-audio').paused})""")
        assert alive == {"tag": "the-one", "same": True, "audios": 1, "paused": False}, step
        titles.append(_h1(page))
        last = current_time(page)
    assert_no_csp_violations(page)
    # the track has no cover: the bar's placeholder is in the colour of its row's (by album), not a colour of its own
    page.wait_for_function("() => document.querySelector('#player [data-role=cover]').classList.contains('is-placeholder')")
    hues = page.evaluate(f"""() => [document.querySelector('.track-row[data-track-id="{first.id}"] .cover'),
                                    document.querySelector('#player [data-role=cover]')]
                                   .map(node => [...node.classList].filter(name => name.startsWith('hue-')))""")
    assert hues[0] == hues[1] == [f"hue-{first.album_id % 12}"], hues
    colours = page.evaluate(f"""() => [document.querySelector('.track-row[data-track-id="{first.id}"] .cover'),
                                       document.querySelector('#player [data-role=cover]')]
                                      .map(node => getComputedStyle(node).backgroundImage)""")
    assert colours[0] == colours[1] and "gradient" in colours[0], colours

    page.get_by_role("button", name="Queue", exact=True).click()
    page.wait_for_selector("#player [data-role=queue-list] li")
    assert_accessible(page, where="player with the queue open")
    screenshot(page, "player-queue", full_page=False)
    page.get_by_role("button", name="Close the queue").click()
    screenshot(page, "player-bar", full_page=False)
    assert_no_csp_violations(page)
