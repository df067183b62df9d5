"""A listener plays tracks in Chromium (the web player, the real listen path into chDB) and sees them counted
on My stats; the artist sees the same plays on Audience. Charts drawn by uPlot from their tables, CSP on,
axe-clean, screenshots at phone and desktop widths."""
from __future__ import annotations

import pytest
from django.utils import timezone

from tests.analytics.conftest import clickhouse, flush  # noqa: F401 (fixture)
from tests.factories import AlbumFactory, ArtistFactory, ArtistUserFactory, UserFactory
from tests.pages import assert_accessible, assert_no_csp_violations, screenshot, watch_csp
from tests.player.conftest import playable_track
from tests.web.browser import login_context

pytestmark = pytest.mark.django_db(transaction=True)


def _figure(page, name: str) -> str:
    return page.locator(f"[data-figure={name}]").inner_text().strip()


def _wait_for_history(page, base: str, count: int) -> None:
    for _ in range(100):
        if len(page.request.get(f"{base}/api/v1/me/history").json()["results"]) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the listens did not reach the history")


def test_plays_in_the_browser_show_on_my_stats_and_on_audience(page, csp_live_server, clickhouse, settings):  # noqa: F811
    settings.STREAM_S3_REDIRECT = False
    base = csp_live_server.url
    artist_user = ArtistUserFactory(username="mira")
    artist = ArtistFactory(user=artist_user, name="Mira Sol")
    album = AlbumFactory(artist=artist, title="Short Stories")
    first = playable_track(title="Paper Boats", duration_s=3, album=album, freq=440)
    second = playable_track(title="Tin Roof", duration_s=3, album=album, freq=660)
    listener = UserFactory(username="ada", country="GB")

    # a listener plays both tracks to the end in the web player
    watch_csp(page)
    login_context(page, csp_live_server, listener)
    page.goto(f"{base}/albums/{album.pk}")
    page.wait_for_function("() => document.getElementById('player').classList.contains('is-ready')")
    for track in (first, second):
        page.get_by_role("button", name=f"Play {track.title}", exact=True).first.click()
        page.wait_for_function(
            "id => { const a = document.getElementById('player-audio'); return a.ended && document.getElementById('player').dataset.trackId === String(id); }",
            arg=track.pk, timeout=20_000)
        page.wait_for_timeout(300)
    _wait_for_history(page, base, 2)
    # empty the play queue, so the next page does not resume the last track (and count a third play)
    page.evaluate("() => window.JonquilsPlayer.flush()")
    page.evaluate("() => window.JonquilsPlayer.quiesce()")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    assert page.request.delete(f"{base}/api/v1/me/play-queue", headers={"X-CSRFToken": csrf}).status in (200, 204)
    flush()  # the owner drains the event buffer into chDB now, instead of on its next tick

    # My stats counts them
    page.goto(f"{base}/library/stats?days=7")
    assert _figure(page, "plays") == "2" and _figure(page, "distinct_tracks") == "2"
    assert "1 day" in _figure(page, "current_streak")
    assert set(page.locator("[data-table=top-tracks] tbody th").all_inner_texts()) == {"Paper Boats", "Tin Roof"}
    page.locator("#chart-plays.has-chart canvas").wait_for()
    today = timezone.now().date().isoformat()
    assert page.locator(f'#chart-plays th[data-x="{today}"] + td').inner_text() == "2"
    assert_no_csp_violations(page)
    assert_accessible(page, where="my stats")
    screenshot(page, "stats-my")

    # the artist sees the same plays on Audience, equal to the API's artist report
    page.context.clear_cookies()
    login_context(page, csp_live_server, artist_user)
    page.goto(f"{base}/studio/audience?days=7")
    assert _figure(page, "plays") == "2" and _figure(page, "unique_listeners") == "1"
    api = page.request.get(f"{base}/api/v1/analytics/artist/{artist.pk}?from={timezone.now().date() - timezone.timedelta(days=6)}&to={today}").json()
    assert api["plays"] == 2 and _figure(page, "completion_rate") == f"{round(api['completion_rate'] * 100)} %"
    assert set(page.locator("[data-table=top-tracks] tbody th").all_inner_texts()) == {"Paper Boats", "Tin Roof"}
    assert page.locator("[data-table=countries] tbody th").all_inner_texts() == ["GB"]
    page.locator("#chart-audience.has-chart canvas").wait_for()
    assert_no_csp_violations(page)
    assert_accessible(page, where="audience")
    screenshot(page, "studio-audience")
