"""Credited artists on the pages in Chromium: every artist a working link, CSP-clean, axe-clean, readable at
390 and 1440 px (screenshots in tests/artifacts/credits-*)."""
from __future__ import annotations

import datetime as dt

import pytest

from catalog.models import CreditRole
from tests.catalog.test_credits import credited_album, credited_track
from tests.factories import ArtistFactory
from tests.pages import assert_accessible, assert_csp_header, assert_no_csp_violations, csp_live_server, screenshot, watch_csp  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_credited_artists_are_shown_and_linked_on_album_track_and_artist_pages(csp_live_server, page):
    names = ("Café Tacvba", "Ana Tijoux", "Mon Laferte", "Simon & Garfunkel", "Various Artists")
    main, ana, mon, duo, various = (ArtistFactory(name=n) for n in names)
    album = credited_album(various, title="Latin Hits of the Long Summer", release_date=dt.date(2021, 6, 1))
    track = credited_track(main, (ana, CreditRole.FEATURED), (mon, CreditRole.FEATURED), title="Eres", album=album,
                           track_number=1)
    credited_track(duo, (main, CreditRole.MAIN), title="The Boxer (with a rather long title to wrap)", album=album,
                   track_number=2)
    watch_csp(page)
    base = csp_live_server.url

    for name, path in (("credits-album", f"/albums/{album.pk}"), ("credits-track", f"/tracks/{track.pk}"),
                       ("credits-artist-featured", f"/artists/{ana.pk}")):
        response = page.goto(base + path)
        assert response.status == 200
        assert_csp_header(response)
        page.wait_for_load_state("networkidle")
        assert_no_csp_violations(page)
        assert_accessible(page, where=name)
        screenshot(page, name, themes=("light",))

    # the album page: the album's own artist in the header, each track's credits in its row
    page.goto(base + f"/albums/{album.pk}")
    header = page.locator(".page-head .meta .credits")
    assert header.inner_text() == "Various Artists"
    rows = page.locator(".track-row .track-sub .credits")
    assert rows.nth(0).inner_text() == "Café Tacvba feat. Ana Tijoux & Mon Laferte"
    assert rows.nth(1).inner_text() == "Simon & Garfunkel & Café Tacvba"
    # following a featured artist's link opens their page, which lists the track
    rows.nth(0).get_by_role("link", name="Mon Laferte").click()
    page.wait_for_url(f"**/artists/{mon.pk}")
    assert page.locator("h1").inner_text() == "Mon Laferte"
    assert page.locator(f'.track-row[data-track-id="{track.pk}"]').count() == 1
