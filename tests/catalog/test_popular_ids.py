"""`track_popular_ids`: the first rows of `track_popular`'s chart, from the window's listens alone."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalog import selectors
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def charted():
    """12 tracks: some heard this week (ties broken by popularity), some only long ago, one hidden, one not ready."""
    tracks = [TrackFactory(title=f"T{i}", popularity=float(p)) for i, p in enumerate([5, 9, 9, 1, 7, 3, 8, 2, 6, 4, 0, 9])]
    tracks[10].hidden = True
    tracks[10].save(update_fields=["hidden"])
    tracks[11].processing_status = "processing"
    tracks[11].save(update_fields=["processing_status"])
    listener, now = UserFactory(), timezone.now()
    plays = {3: 3, 0: 2, 5: 2, 7: 1, 10: 5, 11: 4}  # track index -> listens this week
    minute = 0
    for index, count in plays.items():
        for _ in range(count):
            minute += 5
            ListenFactory(user=listener, track=tracks[index], played_at=now - dt.timedelta(days=1, minutes=minute))
    ListenFactory(user=listener, track=tracks[8], played_at=now - dt.timedelta(days=20))  # only in the month
    return tracks


@pytest.mark.parametrize("period", ["day", "week", "month", "all"])
@pytest.mark.parametrize("limit", [1, 3, 10, 20])
def test_the_first_ids_are_the_full_charts(charted, period, limit):
    expected = list(selectors.track_popular(period=period).values_list("pk", flat=True)[:limit])
    assert selectors.track_popular_ids(period=period, limit=limit) == expected


def test_heard_tracks_lead_and_hidden_or_unready_ones_never_show(charted):
    ids = selectors.track_popular_ids(period="week", limit=20)
    assert ids[:4] == [charted[3].pk, charted[0].pk, charted[5].pk, charted[7].pk]  # 3 plays; 2 (popularity 5, 3); 1
    assert charted[10].pk not in ids and charted[11].pk not in ids and len(ids) == 10
