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


def _check(page, url: str, name: str, *, shots: bool) -> None:
    response = page.goto(url)
    assert_csp_header(response)
    page.wait_for_load_state("networkidle")
    assert_no_csp_violations(page)
    assert_accessible(page, where=name)
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
