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
