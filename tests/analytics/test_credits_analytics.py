"""A play of "A feat. B" counts for A and for B: listen events carry every credited artist (ClickHouse via the
real owner process), the artist report, the artist rollup and the ETL's daily artist table count it for each,
while the track itself is counted once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import buffer, events, selectors
from analytics.periods import Period
from analytics.selectors.popularity import daily_artist_plays
from analytics.services import listen_record
from catalog.models import CreditRole
from etl.aggregates import analytics_aggregates_refresh
from etl.models import DailyArtistPlays
from playlists.services import favorite_add
from tests.catalog.helpers import V1, client_for
from tests.catalog.test_credits import credited_track
from tests.factories import AdminFactory, ArtistFactory, UserFactory

from .conftest import flush

pytestmark = pytest.mark.django_db


def _today() -> Period:
    today = timezone.now().date()
    return Period(start=today - timedelta(days=1), end=today)


@pytest.fixture
def duet(clickhouse, django_capture_on_commit_callbacks):
    """One listen (play + complete) and one like of "Alpha feat. Beta", and one play of Gamma's own track."""
    alpha, beta, gamma = (ArtistFactory(name=n) for n in ("Alpha", "Beta", "Gamma"))
    track = credited_track(alpha, (beta, CreditRole.FEATURED), title="Together")
    solo = credited_track(gamma, title="Alone")
    listener = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        listen_record(user=listener, track=track, play_duration_ms=170_000, completion_percentage=95.0,
                      platform="web", device_type="desktop", played_at=timezone.now() - timedelta(minutes=10))
        listen_record(user=listener, track=solo, play_duration_ms=170_000, completion_percentage=50.0,
                      platform="web", device_type="desktop", played_at=timezone.now() - timedelta(minutes=2))
        favorite_add(user=listener, track_id=track.pk)
    flush()
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "track": track, "solo": solo}


def test_events_carry_every_credited_artist_and_are_stored_once(duet, clickhouse):
    rows = clickhouse.rows(
        "SELECT action, artist_id, artist_ids FROM track_analytics WHERE track_id = %(t)s ORDER BY action",
        {"t": duet["track"].pk})
    credited = [duet["alpha"].pk, duet["beta"].pk]
    assert [(r["action"], int(r["artist_id"]), [int(a) for a in r["artist_ids"]]) for r in rows] == [
        ("play", duet["alpha"].pk, credited), ("complete", duet["alpha"].pk, credited),
        ("like", duet["alpha"].pk, credited)]


def test_the_artist_report_counts_the_play_for_each_credited_artist(duet):
    alpha = selectors.artist_report(artist=duet["alpha"], period=_today())
    beta = selectors.artist_report(artist=duet["beta"], period=_today())
    gamma = selectors.artist_report(artist=duet["gamma"], period=_today())

    for report in (alpha, beta):
        assert (report["plays"], report["completions"], report["likes"], report["unique_listeners"]) == (1, 1, 1, 1)
        assert report["top_tracks"] == [{"track_id": duet["track"].pk, "title": "Together", "plays": 1}]
        assert sum(day["plays"] for day in report["plays_per_day"]) == 1  # the artist_analytics rollup
    assert (gamma["plays"], gamma["likes"], [t["track_id"] for t in gamma["top_tracks"]]) == (1, 0, [duet["solo"].pk])
    # the track is still counted once
    assert selectors.track_report(track=duet["track"], period=_today())["plays"] == 1


def test_the_rollup_and_the_etl_daily_table_count_each_credited_artist(duet):
    today = timezone.now().date()
    rows = {r["artist_id"]: r for r in daily_artist_plays(start=today - timedelta(days=1), end=today)}
    assert {a: rows[a]["plays"] for a in rows} == {duet["alpha"].pk: 1, duet["beta"].pk: 1, duet["gamma"].pk: 1}

    analytics_aggregates_refresh(as_of=timezone.now())
    plays = {row.artist_id: row.plays for row in DailyArtistPlays.objects.all()}
    assert plays == {duet["alpha"].pk: 1, duet["beta"].pk: 1, duet["gamma"].pk: 1}


def test_the_featured_artists_report_is_served_by_the_api(duet):
    body = client_for(AdminFactory()).get(f"{V1}/analytics/artist/{duet['beta'].pk}").json()
    assert body["plays"] == 1 and body["name"] == "Beta"


def test_events_written_before_credits_count_for_their_main_artist(clickhouse):
    # given a buffered row of the old shape, without artist_ids
    row = events.track_event_row(action="play", track_id=900_001, artist_id=900_002, user_id=1)
    del row["artist_ids"]
    buffer.push("track_analytics", row)
    flush()
    # then ClickHouse fills it with the main artist, and the reports count it for them
    stored = clickhouse.rows("SELECT artist_ids FROM track_analytics WHERE track_id = 900001", {})
    assert [[int(a) for a in r["artist_ids"]] for r in stored] == [[900_002]]
    artist = ArtistFactory.build(pk=900_002, name="Old")
    assert selectors.artist_report(artist=artist, period=_today())["plays"] == 1


def test_bad_credited_ids_are_refused_before_anything_is_buffered():
    with pytest.raises(ValueError, match="artist_ids"):
        events.track_event_row(action="play", track_id=1, artist_id=2, user_id=3, artist_ids=[4, -5])
    row = events.track_event_row(action="play", track_id=1, artist_id=2, user_id=3, artist_ids=[4, 2, 4])
    assert row["artist_ids"] == [4, 2]  # the main artist is always credited; each artist once


def test_a_listeners_top_artists_count_each_credited_artist(duet):
    listener_id = duet["track"].listens.get().user_id
    report = selectors.user_listening_report(user_id=listener_id, period=_today())
    assert report["plays"] == 2  # two plays, whoever is credited
    assert {(a["name"], a["plays"]) for a in report["top_artists"]} == {("Alpha", 1), ("Beta", 1), ("Gamma", 1)}
