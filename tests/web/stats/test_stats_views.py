"""My stats and Audience without a browser: the numbers equal the API's report for the same period (the same
selector, the same chDB), every period, and analytics down is a 200 page that says the figures are unavailable."""
from __future__ import annotations

import os
import re
import signal
from datetime import datetime, time, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone
from rest_framework.test import APIClient

from analytics import events
from tests.analytics.conftest import clickhouse, flush  # noqa: F401 (fixture)
from tests.factories import ArtistFactory, ArtistUserFactory, GenreFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def _when(days_ago: int, hour: int) -> datetime:
    today = dj_timezone.now().date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=timezone.utc)


@pytest.fixture
def plays(clickhouse):  # noqa: F811
    """An artist with two tracks, a second artist, two listeners, plays spread over the last 200 days."""
    artist_user = ArtistUserFactory()
    artist = ArtistFactory(user=artist_user, name="Mira Sol")
    rock = GenreFactory(name="Rock")
    one, two = TrackFactory(artist=artist, genre=rock, title="Harbour Lights"), TrackFactory(artist=artist, title="Glass River")
    other = TrackFactory(artist=ArtistFactory(name="Otto Grey"), title="Elsewhere")
    ada, bob = UserFactory(username="ada", country="GB"), UserFactory(username="bob")

    def ev(action, track, user, days_ago, hour, ms=0, platform="web", device="desktop"):
        events.record_event(action=action, track_id=track.pk, artist_id=track.artist_id, user_id=user.pk,
                            duration_played_ms=ms, platform=platform, device_type=device,
                            timestamp=_when(days_ago, hour))

    for days_ago in (0, 1, 2, 5):  # a four-day streak ending today, then a gap
        ev("play", one, ada, days_ago, 9, 180_000)
    ev("complete", one, ada, 0, 9, 180_000)
    ev("play", two, ada, 12, 20, 90_000)
    ev("skip", two, ada, 12, 20, 90_000)
    ev("play", one, bob, 3, 7, 60_000, "ios", "mobile")
    ev("play", two, bob, 40, 7, 60_000, "android", "mobile")
    ev("play", one, bob, 200, 7, 60_000)
    ev("like", one, bob, 3, 8)
    ev("play", other, ada, 1, 10, 30_000)
    flush()
    return {"artist_user": artist_user, "artist": artist, "ada": ada, "bob": bob, "one": one, "two": two}


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)"[^>]*>([^<]+)<', html))


def _api(user, url: str, period_days: int) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    today = dj_timezone.now().date()
    start = today - timedelta(days=period_days - 1)
    granularity = "week" if period_days > 90 else "day"
    response = client.get(url, {"from": start.isoformat(), "to": today.isoformat(), "granularity": granularity})
    assert response.status_code == 200, response.content
    return response.json()


def _table_rows(html: str, name: str) -> list[tuple[str, str]]:
    table = html.split(f'data-table="{name}"')[1].split("</table>")[0]
    return [(re.sub(r"<[^>]+>", "", head).strip(), value) for head, value in
            re.findall(r'<th scope="row">(.*?)</th><td class="num">(\d+)</td>', table)]


@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_audience_equals_the_artist_report_of_the_api(client, plays, days):
    artist_user, artist = plays["artist_user"], plays["artist"]
    api = _api(artist_user, f"/api/v1/analytics/artist/{artist.pk}", days)
    client.force_login(artist_user)
    page = client.get(f"/studio/audience?days={days}")
    assert page.status_code == 200
    html = page.content.decode()
    figures = _figures(html)
    assert int(figures["plays"]) == api["plays"] and int(figures["unique_listeners"]) == api["unique_listeners"]
    assert int(figures["likes"]) == api["likes"] and figures["skips"].strip() == str(api["skips"])
    assert f'data-value="{api["completion_rate"]}"' in html
    assert _table_rows(html, "top-tracks") == [(row["title"], str(row["plays"])) for row in api["top_tracks"]]
    assert dict(_table_rows(html, "platforms")) == {k: str(v) for k, v in api["platforms"].items()}
    assert dict(_table_rows(html, "devices")) == {k: str(v) for k, v in api["devices"].items()}
    # the chart's table holds every bucket of the API's series, with the same counts
    chart = html.split('id="chart-audience"')[1].split("</figure>")[0]
    rows = re.findall(r'data-x="([0-9-]+)".*?data-value="(\d+)".*?data-value="(\d+)".*?data-value="(\d+)"'
                      r'.*?data-value="(\d+)"', chart)
    assert rows == [(p["date"], str(p["plays"]), str(p["unique_listeners"]), str(p["likes"]), str(p["playlist_adds"]))
                    for p in api["plays_per_day"]]
    assert any(p["unique_listeners"] for p in api["plays_per_day"])
    expected = {7: 5, 30: 6, 90: 7, 365: 8}[days]  # the other artist's play never counts
    assert api["plays"] == expected


@pytest.mark.parametrize("days", [7, 30, 365])
def test_my_stats_equals_the_user_report_of_the_api(client, plays, days):
    ada = plays["ada"]
    api = _api(ada, f"/api/v1/analytics/user/{ada.pk}", days)
    client.force_login(ada)
    html = client.get(f"/library/stats?days={days}").content.decode()
    figures = _figures(html)
    assert int(figures["plays"]) == api["plays"] and int(figures["distinct_tracks"]) == api["distinct_tracks"]
    hours = re.search(r'data-figure="hours" data-value="([0-9.]+)"', html).group(1)
    assert float(hours) == round(api["listening_time_ms"] / 3_600_000, 1)
    assert _table_rows(html, "top-tracks") == [(row["title"], str(row["plays"])) for row in api["top_tracks"]]
    assert dict(_table_rows(html, "platforms")) == {k: str(v) for k, v in api["platforms"].items()}
    assert dict(_table_rows(html, "devices")) == {k: str(v) for k, v in api["devices"].items()}
    chart = html.split('id="chart-plays"')[1].split("</figure>")[0]
    assert re.findall(r'data-x="([0-9-]+)".*?data-value="(\d+)"', chart) == [
        (p["date"], str(p["plays"])) for p in api["plays_over_time"]]
    # listening time per bucket, in minutes, from the same series
    listening = html.split('id="chart-listening"')[1].split("</figure>")[0]
    minutes = re.findall(r'data-x="([0-9-]+)".*?data-value="([0-9.]+)"', listening)
    assert [(day, float(m)) for day, m in minutes] == [
        (p["date"], round(p["listening_time_ms"] / 60_000, 1)) for p in api["plays_over_time"]]
    assert any(p["listening_time_ms"] for p in api["plays_over_time"])
    if days <= 90:
        assert figures["current_streak"].startswith("3 days")  # today, yesterday, the day before (the 4th is 5 days ago)


def test_an_unknown_period_falls_back_to_30_days(client, plays):
    client.force_login(plays["ada"])
    html = client.get("/library/stats?days=banana").content.decode()
    assert 'href="?days=30" aria-current="true"' in html


def test_audience_is_for_artists_only(client, plays):
    client.force_login(plays["ada"])
    assert client.get("/studio/audience").status_code == 403


def test_analytics_down_renders_the_pages_saying_so(client, plays, analytics_owner, settings):
    # given the analytics owner (chDB) hung: accepts connections, never answers
    settings.ANALYTICS_QUERY_TIMEOUT_S = 1.0
    os.kill(analytics_owner.process.pid, signal.SIGSTOP)
    try:
        client.force_login(plays["artist_user"])
        audience = client.get("/studio/audience?days=7")
        client.force_login(plays["ada"])
        stats = client.get("/library/stats?days=7")
    finally:
        os.kill(analytics_owner.process.pid, signal.SIGCONT)
    for response in (audience, stats):
        assert response.status_code == 200
        html = response.content.decode()
        assert "The figures are unavailable right now." in html and "data-figure" not in html


def test_the_user_report_splits_plays_by_platform_and_device(plays):
    bob = plays["bob"]
    report = _api(bob, f"/api/v1/analytics/user/{bob.pk}", 90)
    assert (report["platforms"], report["devices"]) == ({"android": 1, "ios": 1}, {"mobile": 2})
