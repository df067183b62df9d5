"""The player in a real browser: one <audio> for the whole visit, the queue on the server, listens recorded."""
from __future__ import annotations

import time

import pytest

from catalog.models import Track
from tests.analytics.conftest import clickhouse, flush  # noqa: F401 (fixture)
from tests.player.conftest import current_time, open_page, playable_track, player_state, wait_playing

pytestmark = pytest.mark.django_db(transaction=True)


def test_playback_survives_four_boosted_navigations_and_back(signed_in, live_server):
    page = signed_in
    track = playable_track(title="Long Road", duration_s=40)
    open_page(page, live_server)
    page.evaluate("() => { window.__sameDocument = true; }")
    cover_requests = []
    page.on("request", lambda request: cover_requests.append(request.url) if "/cover" in request.url else None)

    page.get_by_role("button", name="Play Long Road").click()
    wait_playing(page)
    # The track has no cover: the placeholder shows, with no broken-image glyph (an img with a source that loads)
    page.wait_for_function("() => { const c = document.querySelector('#player [data-role=cover]'); return c.classList.contains('is-placeholder') && c.src.endsWith('blank-cover.svg') && c.complete; }")
    assert page.evaluate("() => document.querySelector('#player [data-role=cover]').naturalWidth") > 0
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
    # Renders on every navigation do not ask again for the cover the track does not have
    assert [url for url in cover_requests if "size=64" in url] == [f"{live_server.url}/api/v1/tracks/{track.id}/cover?size=64"]


def _server_queue(page, live_server) -> dict:
    page.evaluate("() => window.JonquilsPlayer.flush()")
    return page.request.get(f"{live_server.url}/api/v1/me/play-queue").json()


def test_seek_next_previous_shuffle_and_repeat(signed_in, live_server):
    page = signed_in
    album = playable_track(title="T0", duration_s=30).album
    tracks = [Track.objects.get(title="T0")] + [playable_track(title=f"T{i}", duration_s=30, album=album, freq=300 + 40 * i)
                                               for i in range(1, 8)]
    ids = [t.id for t in tracks]
    open_page(page, live_server)

    page.get_by_role("button", name="Play all").click()
    wait_playing(page)
    assert player_state(page)["queue"] == ids

    # seek: the keyboard (→ is +10 s) and the seek bar both move the position
    page.locator("#main h1").click()
    before = current_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.getElementById('player-audio').currentTime > {before + 8}")
    page.locator("#player [data-role=seek]").evaluate("el => { el.value = 25; el.dispatchEvent(new Event('change')); }")
    page.wait_for_function("() => document.getElementById('player-audio').currentTime >= 25")
    assert page.locator("#player [data-role=elapsed]").inner_text().startswith("0:2")

    # next and previous, by button and by Shift+arrows
    page.get_by_role("button", name="Next track").click()
    page.wait_for_function("() => document.querySelector('#player [data-role=title]').textContent === 'T1'")
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => window.JonquilsPlayer.state.index === 2")
    page.get_by_role("button", name="Previous track").click()
    page.wait_for_function("() => window.JonquilsPlayer.state.index === 1")
    wait_playing(page, 0.1)

    # shuffle keeps the current track and reorders the rest; turning it off restores the order
    page.locator("#player [data-role=shuffle]").click()
    shuffled = player_state(page)
    assert shuffled["shuffle"] and shuffled["queue"][:2] == ids[:2] and sorted(shuffled["queue"]) == sorted(ids)
    assert shuffled["queue"] != ids
    assert _server_queue(page, live_server)["track_ids"] == shuffled["queue"]
    page.locator("#player [data-role=shuffle]").click()
    assert player_state(page)["queue"] == ids and player_state(page)["index"] == 1

    # repeat all wraps from the last track to the first; repeat one replays the track at its end
    repeat = page.locator("#player [data-role=repeat]")
    repeat.click()
    assert repeat.get_attribute("aria-label") == "Repeat: all"
    for _ in range(6):
        page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => window.JonquilsPlayer.state.index === 7")
    page.get_by_role("button", name="Next track").click()
    page.wait_for_function("() => window.JonquilsPlayer.state.index === 0")
    repeat.click()
    assert repeat.get_attribute("aria-label") == "Repeat: one" and player_state(page)["repeat"] == "one"
    wait_playing(page, 0.1)
    page.evaluate("() => { const a = document.getElementById('player-audio'); a.currentTime = a.duration - 0.5; }")
    page.wait_for_function("() => { const a = document.getElementById('player-audio'); return !a.paused && a.currentTime > 0.2 && a.currentTime < 5; }")
    assert player_state(page)["index"] == 0


def test_the_queue_panel_reorders_by_dragging_and_the_server_keeps_the_order(signed_in, live_server):
    page = signed_in
    first = playable_track(title="Q0", duration_s=30)
    tracks = [first] + [playable_track(title=f"Q{i}", duration_s=30, album=first.album) for i in range(1, 5)]
    ids = [t.id for t in tracks]
    open_page(page, live_server)
    page.get_by_role("button", name="Play all").click()
    wait_playing(page)

    page.get_by_role("button", name="Queue", exact=True).click()
    rows = page.locator("#player [data-role=queue-list] li")
    page.wait_for_function("() => document.querySelectorAll('#player [data-role=queue-list] li').length === 5")
    assert rows.nth(3).locator(".player__qtitle").inner_text() == "Q3"

    # drag the fourth row's handle above the second row
    handle = rows.nth(3).locator(".player__qhandle").bounding_box()
    target = rows.nth(1).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(handle["x"] + handle["width"] / 2,
                        handle["y"] + (target["y"] + 8 - handle["y"]) * step / 10)
        page.wait_for_timeout(30)
    page.mouse.up()

    expected = [ids[0], ids[3], ids[1], ids[2], ids[4]]
    page.wait_for_function(f"() => JSON.stringify(window.JonquilsPlayer.state.queue) === '{expected}'".replace(" ", ""))
    assert [rows.nth(i).locator(".player__qtitle").inner_text() for i in range(5)] == ["Q0", "Q3", "Q1", "Q2", "Q4"]
    assert _server_queue(page, live_server)["track_ids"] == expected

    # remove, jump to, clear
    rows.nth(2).get_by_role("button", name="Remove from queue: Q1").click()
    assert player_state(page)["queue"] == [ids[0], ids[3], ids[2], ids[4]]
    rows.nth(2).locator(".player__qjump").click()
    page.wait_for_function("() => document.querySelector('#player [data-role=title]').textContent === 'Q2'")
    page.get_by_role("button", name="Clear").click()
    assert player_state(page)["queue"] == [] and _server_queue(page, live_server)["track_ids"] == []


def test_a_reload_resumes_the_same_track_near_where_it_was(signed_in, live_server):
    page = signed_in
    first = playable_track(title="Before", duration_s=30)
    second = playable_track(title="Resume Me", duration_s=40, album=first.album)
    open_page(page, live_server)
    page.get_by_role("button", name="Play all").click()
    wait_playing(page)
    page.get_by_role("button", name="Next track").click()
    page.wait_for_function("() => document.querySelector('#player [data-role=title]').textContent === 'Resume Me'")
    wait_playing(page, 0.1)
    page.evaluate("() => { document.getElementById('player-audio').currentTime = 20; }")
    page.wait_for_function("() => document.getElementById('player-audio').currentTime > 21")
    was = current_time(page)

    page.reload()
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")
    page.wait_for_function("() => document.querySelector('#player [data-role=title]').textContent === 'Resume Me'")
    page.wait_for_function("() => document.getElementById('player-audio').readyState >= 1")
    assert player_state(page)["queue"] == [first.id, second.id] and player_state(page)["index"] == 1
    assert abs(current_time(page) - was) < 4, (current_time(page), was, page.request.get(f"{live_server.url}/api/v1/me/play-queue").json())
    if page.evaluate("() => document.getElementById('player-audio').paused"):
        page.get_by_role("button", name="Play", exact=True).click()
    wait_playing(page, was - 4)


def test_a_5000_entry_queue_stays_responsive(signed_in, live_server, listener):
    from catalog.models import Track as TrackModel
    from playlists.services import play_queue_save

    page = signed_in
    seed = playable_track(title="Seed", duration_s=30)
    TrackModel.objects.bulk_create([TrackModel(title=f"Bulk {i}", artist=seed.artist, album=seed.album,
                                               duration_ms=180_000, processing_status="ready") for i in range(500)])
    bulk = list(TrackModel.objects.filter(title__startswith="Bulk").order_by("id").values_list("id", flat=True))
    play_queue_save(user=listener, track_ids=[seed.id] + [bulk[i % 500] for i in range(4_499)], current_index=0)
    open_page(page, live_server)
    page.wait_for_function("() => window.JonquilsPlayer.state.queue.length === 4500")

    # a "play all" of a 500-track playlist (the page's button carries the ids)
    page.evaluate(f"""() => {{ const add = document.createElement('button'); add.type = 'button'; add.id = 'add500'; add.textContent = 'Add 500';
        add.dataset.playerAction = 'enqueue-all'; add.dataset.trackIds = '{",".join(map(str, bulk))}';
        document.getElementById('main').append(add); }}""")
    elapsed = page.evaluate("""() => new Promise(resolve => {
        const t0 = performance.now(); document.getElementById('add500').click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))); })""")
    assert player_state(page)["queue"][-500:] == bulk and len(player_state(page)["queue"]) == 5000
    assert elapsed < 1000, elapsed

    opened = page.evaluate("""() => new Promise(resolve => {
        const t0 = performance.now(); document.querySelector('#player [data-role=queue-toggle]').click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))); })""")
    assert opened < 1000, opened
    rendered = page.locator("#player [data-role=queue-list] li").count()
    assert 0 < rendered < 60  # only the rows in view exist
    page.locator("#player [data-role=queue-scroll]").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_function("() => [...document.querySelectorAll('#player [data-role=queue-list] li')].some(li => li.dataset.index === '4999')")
    page.wait_for_function("() => document.querySelector('#player li[data-index=\"4999\"] .player__qtitle').textContent.startsWith('Bulk')")
    assert _server_queue(page, live_server)["track_ids"][-500:] == bulk


def test_a_track_played_to_the_end_is_one_listen_in_history_and_in_analytics(signed_in, live_server, listener, clickhouse):
    page = signed_in
    short = playable_track(title="Short Song", duration_s=4)
    open_page(page, live_server)
    # The player reports the listen when the audio ends; wait for that answer, not a fixed time,
    # so a busy machine that ends the audio late still gets to assert what was recorded.
    with page.expect_response(lambda r: r.url.endswith("/analytics/listen"), timeout=30_000) as reported:
        page.get_by_role("button", name="Play Short Song").click()
        page.wait_for_function("() => document.getElementById('player-audio').ended", timeout=30_000)
    assert reported.value.status == 201, reported.value.text()

    history = page.request.get(f"{live_server.url}/api/v1/me/history").json()["results"]
    assert len(history) == 1, history
    listen = history[0]
    assert (listen["track"]["id"], listen["platform"], listen["device_type"]) == (short.id, "web", "desktop")
    assert 3_500 <= listen["play_duration_ms"] <= 4_500 and listen["completion_percentage"] >= 90

    page.wait_for_timeout(500)  # a later event (pagehide, pause) must not report the same play again
    flush()
    report = page.request.get(f"{live_server.url}/api/v1/analytics/user/{listener.pk}").json()
    assert report["plays"] == 1, report
    assert len(page.request.get(f"{live_server.url}/api/v1/me/history").json()["results"]) == 1


def test_seconds_played_while_the_page_was_too_busy_for_timeupdates_still_count(signed_in, live_server):
    page = signed_in
    first = playable_track(title="Busy Page", duration_s=30)
    playable_track(title="After It", duration_s=30, album=first.album)
    open_page(page, live_server)
    page.get_by_role("button", name="Play all").click()
    wait_playing(page, 1)
    # Three seconds with no timeupdate at all: the audio plays on, the page's main thread is stuck.
    page.evaluate("() => { const until = performance.now() + 3000; while (performance.now() < until) {} }")
    page.wait_for_function("() => document.getElementById('player-audio').currentTime > 5")
    with page.expect_response(lambda r: r.url.endswith("/analytics/listen"), timeout=30_000) as reported:
        page.get_by_role("button", name="Next track").click()  # a skip reports the play so far
    assert reported.value.status == 201, reported.value.text()
    listen = reported.value.json()
    assert listen["track"]["id"] == first.id
    assert 4_500 <= listen["play_duration_ms"] <= 8_000, listen


def test_keyboard_shortcuts_search_and_the_shortcuts_dialog(signed_in, live_server):
    page = signed_in
    playable_track(title="Keys", duration_s=30)
    open_page(page, live_server)
    page.get_by_role("button", name="Play Keys").click()
    wait_playing(page)
    page.locator("#main h1").click()

    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player-audio').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.getElementById('player-audio').paused")
    page.keyboard.press("?")
    assert page.locator("#player dialog[data-role=shortcuts]").evaluate("d => d.open")
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "search-input"
    page.keyboard.type("x ")  # typing in the search box is not a shortcut
    assert not page.evaluate("() => document.getElementById('player-audio').paused")


def test_play_pressed_before_the_saved_queue_arrives_is_not_undone_by_its_late_answer(signed_in, live_server):
    page = signed_in
    first = playable_track(title="Early Bird", duration_s=30)
    second = playable_track(title="Second", duration_s=30, album=first.album)
    held = []  # the page's first read of the saved queue

    def hold_the_first_queue_read(route):
        if route.request.method == "GET" and not held:
            held.append(route)
        else:
            route.continue_()
    page.route("**/api/v1/me/play-queue", hold_the_first_queue_read)
    open_page(page, live_server)
    while not held:
        page.wait_for_timeout(50)
    stale = held[0].fetch()  # the server's answer as it was before play: an empty queue
    page.get_by_role("button", name="Play all").click()
    wait_playing(page)
    held[0].fulfill(response=stale)  # ...arriving late, after play was pressed
    page.wait_for_function("() => window.JonquilsPlayer.state.loadedFromServer === true")

    assert player_state(page)["queue"] == [first.id, second.id]
    assert page.get_by_role("button", name="Next track").is_enabled()
    assert _server_queue(page, live_server)["track_ids"] == [first.id, second.id]


def test_a_skip_and_a_closed_page_are_each_one_partial_listen(signed_in, live_server):
    page = signed_in
    first = playable_track(title="Skipped", duration_s=30)
    second = playable_track(title="Left Behind", duration_s=30, album=first.album)
    open_page(page, live_server)
    page.get_by_role("button", name="Play all").click()
    wait_playing(page, 2)
    page.get_by_role("button", name="Next track").click()  # a skip
    page.wait_for_function("() => document.querySelector('#player [data-role=title]').textContent === 'Left Behind'")
    wait_playing(page, 2)
    page.goto("about:blank")  # pagehide: the listen goes by sendBeacon

    history = []
    deadline = time.monotonic() + 20  # the beacon is sent in the background: a busy machine delivers it late
    while len(history) < 2 and time.monotonic() < deadline:
        history = page.request.get(f"{live_server.url}/api/v1/me/history").json()["results"]
        page.wait_for_timeout(100)
    by_track = {row["track"]["id"]: row for row in history}
    assert len(history) == 2 and set(by_track) == {first.id, second.id}, history
    for row in history:
        assert 1_500 <= row["play_duration_ms"] <= 6_000 and 5 <= row["completion_percentage"] <= 20, row
        assert (row["platform"], row["device_type"]) == ("web", "desktop")
