"""The ETL aggregates step: ClickHouse → data_warehouse daily tables and tracks.popularity."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from catalog.models import Track
from etl.aggregates import analytics_aggregates_refresh
from etl.models import DailyArtistPlays, DailyTrackPlays
from tests.factories import TrackFactory

from .conftest import at

pytestmark = pytest.mark.django_db


def test_daily_tables_and_popularity_from_the_dataset(dataset):
    t1, t2, t3 = dataset["t1"], dataset["t2"], dataset["t3"]
    idle = TrackFactory(popularity=55.0)  # no plays in the window: its score falls to 0
    as_of = at(9, 23)  # the end of the dataset's last event day

    summary = analytics_aggregates_refresh(as_of=as_of)

    day0 = at(0, 0).date()
    track_rows = {(r.date, r.track_id): r for r in DailyTrackPlays.objects.all()}
    assert (track_rows[(day0, t1.pk)].plays, track_rows[(day0, t1.pk)].unique_listeners,
            track_rows[(day0, t1.pk)].completions) == (3, 2, 2)
    assert track_rows[(day0 + timedelta(days=1), t3.pk)].skips == 1
    assert sum(r.plays for r in track_rows.values()) == 7  # every play of the dataset, each once
    artist_rows = {(r.date, r.artist_id): r for r in DailyArtistPlays.objects.all()}
    assert artist_rows[(day0, dataset["artist_a"].pk)].likes == 1
    assert artist_rows[(day0 + timedelta(days=1), dataset["artist_a"].pk)].playlist_adds == 1

    popularity = dict(Track.objects.values_list("pk", "popularity"))
    assert popularity[idle.pk] == 0.0
    assert popularity[t1.pk] > popularity[t3.pk] > 0 and popularity[t2.pk] > 0
    assert summary.tracks_scored == 3 and summary.tracks_reset == 1
    assert summary.start == (as_of.date() - timedelta(days=29)).isoformat()


def test_a_rerun_for_the_same_instant_changes_nothing(dataset):
    as_of = at(9, 23)
    analytics_aggregates_refresh(as_of=as_of)
    first = (list(DailyTrackPlays.objects.values_list("date", "track_id", "plays")),
             list(DailyArtistPlays.objects.values_list("date", "artist_id", "plays")),
             dict(Track.objects.values_list("pk", "popularity")))

    analytics_aggregates_refresh(as_of=as_of)

    assert (list(DailyTrackPlays.objects.values_list("date", "track_id", "plays")),
            list(DailyArtistPlays.objects.values_list("date", "artist_id", "plays")),
            dict(Track.objects.values_list("pk", "popularity"))) == first


def test_rows_outside_the_window_are_kept(dataset):
    old = DailyTrackPlays.objects.create(date=date(2020, 1, 1), track=dataset["t1"], plays=9)
    analytics_aggregates_refresh(as_of=at(9, 23))
    assert DailyTrackPlays.objects.filter(pk=old.pk).exists()


def test_a_rerun_writes_only_what_changed_since_the_last_one(dataset):
    """The hourly run rewrites the day that got new plays, not the whole window (issue 17)."""
    from analytics import events

    from .conftest import flush

    as_of = at(9, 23)
    first = analytics_aggregates_refresh(as_of=as_of)
    assert first.daily_rows_written == first.track_days + first.artist_days and first.popularity_changed == 3
    untouched = {(r.date, r.track_id): r.pk for r in DailyTrackPlays.objects.all()}

    unchanged = analytics_aggregates_refresh(as_of=as_of)
    assert (unchanged.daily_rows_written, unchanged.daily_rows_removed, unchanged.popularity_changed,
            unchanged.tracks_reset) == (0, 0, 0, 0)
    # Later the same day, with no new plays: scores are decayed to the day's end, so nothing moves.
    same_day = analytics_aggregates_refresh(as_of=at(9, 23, 59))
    assert (same_day.daily_rows_written, same_day.popularity_changed, same_day.tracks_reset) == (0, 0, 0)

    t3 = dataset["t3"]
    events.record_event(action="play", track_id=t3.pk, artist_id=t3.artist_id, user_id=0, duration_played_ms=1_000,
                        platform="web", device_type="desktop", timestamp=at(9, 13))
    flush()
    before = Track.objects.get(pk=t3.pk).popularity
    later = analytics_aggregates_refresh(as_of=at(9, 23, 59))
    # One new play: its track's day and its artist's day, and that track's score, nothing else.
    assert (later.daily_rows_written, later.daily_rows_removed, later.popularity_changed) == (2, 0, 1)
    # The next day every score moves once (the decay's reference and the window move by a day).
    next_day = analytics_aggregates_refresh(as_of=at(10, 1))
    assert next_day.popularity_changed == next_day.tracks_scored > 0
    assert DailyTrackPlays.objects.get(date=at(9, 0).date(), track=t3).plays == 1
    assert Track.objects.get(pk=t3.pk).popularity > before
    kept = {(r.date, r.track_id): r.pk for r in DailyTrackPlays.objects.all()}
    assert {k: v for k, v in kept.items() if k in untouched} == untouched  # the other rows were not re-inserted


def test_a_row_in_the_window_that_clickhouse_no_longer_has_is_removed(dataset):
    as_of = at(9, 23)
    analytics_aggregates_refresh(as_of=as_of)
    ghost = DailyTrackPlays.objects.create(date=at(5, 0).date(), track=dataset["t2"], plays=4)
    wrong = DailyTrackPlays.objects.filter(track=dataset["t1"]).first()
    DailyTrackPlays.objects.filter(pk=wrong.pk).update(plays=99)

    summary = analytics_aggregates_refresh(as_of=as_of)

    assert not DailyTrackPlays.objects.filter(pk=ghost.pk).exists()
    assert DailyTrackPlays.objects.get(pk=wrong.pk).plays != 99
    assert (summary.daily_rows_written, summary.daily_rows_removed) == (1, 1)
