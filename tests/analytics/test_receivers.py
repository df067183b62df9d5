"""Listens reach track_analytics through listen_record → listen_recorded → the buffer (rule: play + complete/skip)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest

from analytics import events, selectors
from analytics.models import ListeningHistory
from analytics.periods import Period
from analytics.services import listen_record
from analytics.signals import listen_recorded
from tests.factories import TrackFactory, UserFactory

from .conftest import flush

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("completion", "played_ms", "actions"),
    [
        (95.0, 171_000, ["play", "complete"]),
        (90.0, 162_000, ["play", "complete"]),
        (89.9, 160_000, ["play"]),
        (10.0, 18_000, ["play", "skip"]),
        (10.0, 30_000, ["play"]),  # 30 s heard: not a skip, however small the share
        (30.0, 20_000, ["play"]),
    ],
)
def test_listen_rule(completion, played_ms, actions):
    assert events.listen_actions(completion_percentage=completion, play_duration_ms=played_ms) == actions


def test_listen_record_sends_play_and_complete_to_clickhouse(clickhouse, django_capture_on_commit_callbacks):
    user, track = UserFactory(), TrackFactory()
    with django_capture_on_commit_callbacks(execute=True):
        listen = listen_record(user=user, track=track, play_duration_ms=170_000, completion_percentage=94.0,
                               platform="android", device_type="mobile")
    flush()
    rows = clickhouse.rows(
        "SELECT toString(action) AS name, track_id, artist_id, user_id, duration_played_ms, platform, device_type, "
        "toString(event_id) AS event_id FROM track_analytics ORDER BY action")
    assert [r["name"] for r in rows] == ["play", "complete"]
    assert {(r["track_id"], r["artist_id"], r["user_id"], r["duration_played_ms"], r["platform"], r["device_type"])
            for r in rows} == {(track.pk, track.artist_id, user.pk, 170_000, "android", "mobile")}
    assert rows[0]["event_id"] == events.listen_event_id(listen, "play")
    # The play also counts in the artist's daily rollup (the artist_analytics view).
    assert clickhouse.scalar("SELECT sum(plays) FROM artist_analytics WHERE artist_id = %(a)s", {"a": track.artist_id}) == 1


def test_a_resent_signal_does_not_count_the_listen_twice(clickhouse, django_capture_on_commit_callbacks):
    user, track = UserFactory(), TrackFactory()
    with django_capture_on_commit_callbacks(execute=True):
        listen = listen_record(user=user, track=track, play_duration_ms=5_000, completion_percentage=3.0,
                               platform="web", device_type="desktop")
    flush()
    listen_recorded.send(sender=ListeningHistory, listens=[listen])  # e.g. a retried delivery
    listen_recorded.send(sender=ListeningHistory, listens=[listen])
    flush()
    counts = clickhouse.query("SELECT toString(action) AS a, count() FROM track_analytics GROUP BY a")[1]
    assert dict(counts) == {"play": 1, "skip": 1}
    assert clickhouse.scalar("SELECT sum(plays) FROM artist_analytics") == 1


def test_a_refused_listen_sends_nothing(clickhouse, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    user, track = UserFactory(), TrackFactory(processing_status="pending")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        listen_record(user=user, track=track, play_duration_ms=1000, completion_percentage=1.0,
                      platform="web", device_type="desktop")
    flush()
    assert ListeningHistory.objects.count() == 0
    assert clickhouse.scalar("SELECT count() FROM track_analytics") == 0


def test_record_event_validates_before_buffering(clickhouse):
    with pytest.raises(ValueError, match="unknown track action"):
        events.record_event(action="dance", track_id=1, artist_id=1)
    with pytest.raises(ValueError, match="negative"):
        events.record_event(action="like", track_id=-1, artist_id=1)
    with pytest.raises(ValueError, match="clicked_result_id"):
        events.record_search_click(query="x", clicked_result_id=0)
    flush()
    assert clickhouse.scalar("SELECT count() FROM track_analytics") == 0
    assert clickhouse.scalar("SELECT count() FROM search_analytics") == 0


def test_a_login_is_user_activity(clickhouse, client):
    user = UserFactory()
    from tests.factories import TEST_PASSWORD

    assert client.login(username=user.username, password=TEST_PASSWORD)
    flush()
    assert clickhouse.rows("SELECT user_id, action FROM user_analytics") == [{"user_id": user.pk, "action": "login"}]


def test_searches_clicks_likes_and_playlist_adds_reach_clickhouse(clickhouse, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    from tests.factories import PlaylistFactory

    user = UserFactory()
    track = TrackFactory(title="Harbour Lights")
    playlist = PlaylistFactory(owner=user)
    api = APIClient()
    api.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.get("/api/v1/search/tracks", {"q": "harbour"}).status_code == 200
        assert api.post("/api/v1/search/click", {"query": "harbour", "entity": "track", "result_id": track.id},
                        format="json").status_code == 204
        assert api.post(f"/api/v1/tracks/{track.id}/favorite").status_code == 201
        assert api.post(f"/api/v1/tracks/{track.id}/favorite").status_code == 200  # liked again: no new event
        assert api.post(f"/api/v1/playlists/{playlist.id}/tracks", {"track_id": track.id}, format="json").status_code == 201
    flush()

    searches = clickhouse.rows("SELECT query, results_count, clicked_result_id, user_id FROM search_analytics "
                               "ORDER BY clicked_result_id")
    assert [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in searches] == \
        [("harbour", 1, 0, user.id), ("harbour", 0, track.id, user.id)]
    actions = clickhouse.rows("SELECT toString(action) AS a, track_id, artist_id, user_id FROM track_analytics ORDER BY a")
    assert [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in actions] == \
        [("add_to_playlist", track.id, track.artist_id, user.id), ("like", track.id, track.artist_id, user.id)]


def test_listeners_countries_come_from_their_accounts_and_reach_the_artist_report(
        clickhouse, django_capture_on_commit_callbacks):

    # given three listeners: two in Brazil, one who never said where they are
    track = TrackFactory()
    listeners = [UserFactory(country="BR"), UserFactory(country="BR"), UserFactory()]
    # (yesterday: listens may be reported late, but not months late; the repeat 5 min after the first)
    noon = datetime.combine(date.today() - timedelta(days=1), time(12), tzinfo=dt_timezone.utc)
    with django_capture_on_commit_callbacks(execute=True):
        for i, user in enumerate(listeners + listeners[:1]):  # the first listens twice: still one listener
            listen_record(user=user, track=track, play_duration_ms=120_000, completion_percentage=60.0,
                          platform="web", device_type="desktop", played_at=noon + timedelta(minutes=5 * (i // 3)))
    flush()

    # when the artist reads their report
    report = selectors.artist_report(artist=track.artist, period=Period(start=noon.date(), end=noon.date()))

    # then countries are counted per distinct listener, the unknown ones apart
    assert report["plays"] == 4
    assert report["listener_countries"] == [{"country": "BR", "listeners": 2}]
    assert report["listeners_with_unknown_country"] == 1
