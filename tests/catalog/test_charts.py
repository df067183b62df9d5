"""Listening charts (`catalog.charts.WindowChart`): the one-query ranking's order, built from the window's listens alone."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from catalog import selectors
from catalog.charts import WindowChart
from catalog.models import Track
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def charted():
    """12 tracks: some heard this week (ties broken by popularity), some only long ago, one hidden, one not ready."""
    cache.clear()
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


def one_query_chart(period: str) -> list[tuple[int, int]]:
    """The chart as the single query it once was (every track joined to every listen): the reference order."""
    since = timezone.now() - selectors.POPULAR_PERIODS[period]
    rows = Track.objects.visible_to(None).annotate(n=Count("listens", filter=Q(listens__played_at__gte=since)))
    return list(rows.order_by("-n", "-popularity", "id").values_list("pk", "n"))


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_every_slice_is_the_one_query_charts(charted, period):
    expected, chart = one_query_chart(period), selectors.track_popular(period=period)
    assert chart.count() == len(expected) == 10
    for start, stop in [(0, 1), (0, 3), (0, 10), (0, 20), (2, 5), (3, 8), (4, 6), (6, 10), (9, 30), (12, 15)]:
        assert chart.ids(start, stop) == expected[start:stop], (start, stop)
        assert [(t.pk, t.period_listens) for t in chart[start:stop]] == expected[start:stop], (start, stop)
    assert chart.ids(0, None) == expected


@pytest.mark.parametrize("period", ["day", "week", "month", "all"])
@pytest.mark.parametrize("limit", [1, 3, 10, 20])
def test_the_first_ids_are_the_full_charts(charted, period, limit):
    if period == "all":
        expected = list(selectors.track_popular(period="all").values_list("pk", flat=True)[:limit])
    else:
        expected = [pk for pk, _ in one_query_chart(period)[:limit]]
    assert selectors.track_popular_ids(period=period, limit=limit) == expected


def test_heard_tracks_lead_and_hidden_or_unready_ones_never_show(charted):
    ids = selectors.track_popular_ids(period="week", limit=20)
    assert ids[:4] == [charted[3].pk, charted[0].pk, charted[5].pk, charted[7].pk]  # 3 plays; 2 (popularity 5, 3); 1
    assert charted[10].pk not in ids and charted[11].pk not in ids and len(ids) == 10


def test_a_listen_after_the_ranking_neither_drops_nor_repeats_a_track(charted):
    chart = WindowChart(dt.timedelta(days=7))
    before = chart.ids(0, None)
    ListenFactory(track=charted[1])  # unheard until now; the cached ranking does not know yet
    after = chart.ids(0, None)
    assert after == before and len({pk for pk, _ in after}) == 10


def test_a_track_hidden_after_the_ranking_leaves_it_at_once(charted):
    chart = WindowChart(dt.timedelta(days=7))
    assert chart.ids(0, 1) == [(charted[3].pk, 3)]
    Track.objects.filter(pk=charted[3].pk).update(hidden=True)
    assert [t.pk for t in chart[0:3]] == [charted[0].pk, charted[5].pk]  # the loaded page drops it


def test_a_chart_is_read_by_slices_only(charted):
    chart = WindowChart(dt.timedelta(days=1))
    with pytest.raises(TypeError):
        chart[0]
    with pytest.raises(TypeError):
        chart[0:10:2]
