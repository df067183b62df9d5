"""Every main page in Chromium: served with CSP default-src 'self' and no violation, no serious or critical
axe finding, screenshots at 390 and 1440 px in light and dark (tests/artifacts/)."""
from __future__ import annotations

import pytest

from tests.pages import assert_accessible, assert_csp_header, assert_no_csp_violations, screenshot, watch_csp
from tests.web.browser import login_context
from tests.web.conftest import build_catalog

pytestmark = pytest.mark.django_db(transaction=True)


def _main_pages(catalog) -> dict[str, str]:
    return {
        "home": "/", "browse": "/browse/", "artists": "/browse/artists", "albums": "/browse/albums?order=year",
        "genres": "/browse/genres", "artist": f"/artists/{catalog.artists[0].pk}", "album": f"/albums/{catalog.albums[0].pk}",
        "genre": f"/genres/{catalog.genres[0].pk}", "track": f"/tracks/{catalog.tracks[0].pk}", "search": "/search?q=song",
        "playlists": "/playlists/", "playlist": f"/playlists/{catalog.playlist.pk}", "library": "/library/",
        "favourites": "/library/favourites", "history": "/library/history", "profile": "/accounts/profile",
        "playlist-edit": f"/playlists/{catalog.playlist.pk}/edit", "not-found": "/albums/999999",
    }


def _visitor_pages() -> dict[str, str]:
    return {"login": "/accounts/login", "signup": "/accounts/signup", "home-visitor": "/"}


def _assert_no_broken_covers(page, where: str) -> None:
    """A cover that failed to load (no cover: its URL answers 404) shows the placeholder, never the
    browser's broken-image glyph."""
    broken = page.evaluate("""() => [...document.querySelectorAll('.cover img')]
        .filter(img => img.complete && img.naturalWidth === 0 && getComputedStyle(img).display !== 'none')
        .map(img => img.getAttribute('src'))""")
    assert broken == [], f"{where}: broken cover images shown: {broken[:5]}"


def _check(page, url: str, name: str, *, shots: bool) -> None:
    response = page.goto(url)
    assert_csp_header(response)
    page.wait_for_load_state("networkidle")
    assert_no_csp_violations(page)
    assert_accessible(page, where=name)
    _assert_no_broken_covers(page, name)
    if shots:
        screenshot(page, name)


def test_every_main_page_passes_csp_and_axe_and_is_screenshotted(csp_live_server, page):
    catalog = build_catalog()
    watch_csp(page)
    for name, path in _visitor_pages().items():
        _check(page, csp_live_server.url + path, name, shots=True)
    login_context(page, csp_live_server, catalog.listener)
    for name, path in _main_pages(catalog).items():
        _check(page, csp_live_server.url + path, name, shots=True)


def test_covers_that_failed_before_the_deferred_script_ran_show_the_placeholder(csp_live_server, page):
    """app.js is deferred: home's first covers can fail before it listens for errors. Holding the
    script back until they have failed makes that order certain."""
    import time

    catalog = build_catalog()
    login_context(page, csp_live_server, catalog.listener)

    def late_script(route):
        time.sleep(0.8)  # the covers' 404s come back first
        route.continue_()

    page.route("**/js/app.js", late_script)
    page.goto(csp_live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#recent-h").count() == 1 and page.locator(".cover img").count() > 0
    _assert_no_broken_covers(page, "home with a late app.js")
