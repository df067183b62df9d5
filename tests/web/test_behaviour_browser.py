"""The pages in Chromium: search as you type with the keyboard, playlists reordered by dragging, favourites,
the Russian switch, and reading pages without JavaScript."""
from __future__ import annotations

import re

import pytest

from playlists.models import Favorite, PlaylistTrack
from tests.pages import assert_no_csp_violations, watch_csp
from tests.web.browser import login_context
from tests.web.conftest import PASSWORD, build_catalog

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_as_you_type_open_a_result_with_the_keyboard_and_come_back(csp_live_server, page):
    from search.signals import search_result_clicked

    clicks = []
    search_result_clicked.connect(lambda sender, **kw: clicks.append(kw), weak=False, dispatch_uid="browser-click")
    try:
        catalog = build_catalog()
        watch_csp(page)
        page.goto(csp_live_server.url + f"/albums/{catalog.albums[0].pk}")
        page.keyboard.press("/")  # focuses the search box
        assert page.evaluate("() => document.activeElement.id") == "search-input"
        page.keyboard.type("copper", delay=40)
        page.wait_for_url(re.compile(r"/search\?q=c"))
        page.wait_for_function("() => document.querySelector('#search-results')?.dataset.query === 'copper'")
        assert page.url.endswith("/search?q=copper")  # the query follows in the URL
        assert page.locator("#search-results").get_by_role("heading", name="Artists").is_visible()
        page.keyboard.press("ArrowDown")
        first = page.evaluate("() => document.activeElement.getAttribute('href')")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        assert page.evaluate("() => document.activeElement.getAttribute('href')") == first
        page.keyboard.press("Enter")
        page.wait_for_url(csp_live_server.url + first)
        page.go_back()
        page.wait_for_url(re.compile(r"/search\?q=copper$"))
        page.wait_for_selector("#search-results .track-row, #search-results .card")
        assert page.locator("#search-input").input_value() == "copper"
        page.locator("#search-input").focus()
        page.keyboard.press("Escape")
        assert page.locator("#search-input").input_value() == ""
        assert_no_csp_violations(page)
    finally:
        search_result_clicked.disconnect(dispatch_uid="browser-click")
    kind, pk = re.match(r"/(\w+)s/(\d+)", first).groups()
    assert [(c["query"], c["entity"], c["result_id"]) for c in clicks] == [("copper", kind, int(pk))]


def test_reorder_a_playlist_by_dragging_and_the_order_persists(csp_live_server, page):
    catalog = build_catalog()
    login_context(page, csp_live_server, catalog.listener)
    watch_csp(page)
    before = list(PlaylistTrack.objects.filter(playlist=catalog.playlist).order_by("position").values_list("track_id", flat=True))
    page.goto(csp_live_server.url + f"/playlists/{catalog.playlist.pk}")
    handles = page.locator("#playlist-entries .drag-handle")
    source, target = handles.nth(0).bounding_box(), handles.nth(2).bounding_box()
    page.mouse.move(source["x"] + 5, source["y"] + 5)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(source["x"] + 5, source["y"] + 5 + (target["y"] - source["y"] + 12) * step / 10)
        page.wait_for_timeout(20)
    with page.expect_response(re.compile(r"/tracks/move$")):
        page.mouse.up()
    expected = [before[1], before[2], before[0], before[3]]
    page.wait_for_function("ids => [...document.querySelectorAll('#playlist-entries .track-row')]"
                           ".map(r => +r.dataset.trackId).join() === ids", arg=",".join(map(str, expected)))
    assert list(PlaylistTrack.objects.filter(playlist=catalog.playlist).order_by("position")
                .values_list("track_id", flat=True)) == expected
    page.reload()
    rows = page.locator("#playlist-entries .track-row").evaluate_all("rows => rows.map(r => +r.dataset.trackId)")
    assert rows == expected
    assert_no_csp_violations(page)


def test_play_all_and_shuffle_queue_every_track_of_the_playlist(csp_live_server, page):
    catalog = build_catalog()
    login_context(page, csp_live_server, catalog.listener)
    order = list(PlaylistTrack.objects.filter(playlist=catalog.playlist).order_by("position").values_list("track_id", flat=True))
    page.goto(csp_live_server.url + f"/playlists/{catalog.playlist.pk}")
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")
    page.get_by_role("button", name="Shuffle", exact=True).click()
    page.wait_for_function("n => window.JonquilsPlayer.state.queue.length === n", arg=len(order))
    assert sorted(page.evaluate("() => window.JonquilsPlayer.state.queue")) == sorted(order)
    page.get_by_role("button", name="Play all").click()
    page.wait_for_function("ids => window.JonquilsPlayer.state.queue.join() === ids.join()", arg=order)


def test_favourite_a_track_and_find_it_in_favourites(csp_live_server, page):
    catalog = build_catalog()
    login_context(page, csp_live_server, catalog.listener)
    track = catalog.tracks[9]
    page.goto(csp_live_server.url + f"/tracks/{track.pk}")
    button = page.locator("main .actions .fav-button")
    button.click()
    page.wait_for_selector("main .actions .fav-button[aria-pressed='true']")
    assert Favorite.objects.filter(user=catalog.listener, track=track).exists()
    page.get_by_role("link", name="Your music").click()
    page.get_by_role("link", name="Favourites", exact=True).first.click()
    page.wait_for_url(re.compile(r"/library/favourites$"))
    assert page.locator(f"#main .track-row[data-track-id='{track.pk}']").count() == 1


def test_add_a_track_to_a_new_playlist_from_its_row_menu(csp_live_server, page):
    catalog = build_catalog()
    login_context(page, csp_live_server, catalog.listener)
    track = catalog.tracks[11]
    page.goto(csp_live_server.url + f"/albums/{track.album_id}")
    row = page.locator(f".track-row[data-track-id='{track.pk}']")
    row.locator("summary").click()
    row.get_by_role("link", name="Add to playlist…").click()
    row.get_by_placeholder("New playlist").fill("From the menu")
    row.get_by_role("button", name="Create").click()
    row.get_by_text("Added to “From the menu”.").wait_for()
    assert list(PlaylistTrack.objects.filter(playlist__title="From the menu").values_list("track_id", flat=True)) == [track.pk]


def test_the_russian_switch(csp_live_server, page):
    build_catalog()
    page.goto(csp_live_server.url + "/browse/")
    page.get_by_role("button", name=re.compile("русский", re.I)).click()
    page.get_by_role("heading", name="Обзор", exact=True).wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "ru"


def test_reading_pages_and_forms_work_without_javascript(csp_live_server, chromium):
    catalog = build_catalog()
    context = chromium.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(csp_live_server.url + "/")
        page.get_by_role("link", name="Browse", exact=True).first.click()
        page.get_by_role("link", name="Artists A–Z").click()
        page.get_by_role("link", name=catalog.artists[1].name).click()
        assert page.locator("h1").inner_text() == catalog.artists[1].name
        page.locator(".card-link").first.click()
        assert page.locator(".track-row").count() == 4
        page.goto(csp_live_server.url + "/accounts/login")
        page.get_by_label("Username or email").fill("ada@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(csp_live_server.url + "/")
        page.goto(csp_live_server.url + "/search?q=delta")
        assert page.locator("#search-results .card").count() >= 1
        page.goto(csp_live_server.url + f"/tracks/{catalog.tracks[14].pk}")
        page.locator("main .actions .fav-button").click()
        page.wait_for_url(re.compile(rf"/tracks/{catalog.tracks[14].pk}$"))
        assert page.locator("main .actions .fav-button[aria-pressed='true']").count() == 1
        page.goto(csp_live_server.url + "/browse/artists")
        assert page.locator("a", has_text="Load more").count() == 0  # 4 artists: one page
    finally:
        context.close()
