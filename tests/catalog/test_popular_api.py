"""Popular tracks (score and listening windows); track search is tested with the search service."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from catalog.models import ProcessingStatus
from tests.factories import AlbumFactory, ListenFactory, TrackFactory

from .helpers import SQL_LIKE, V1, assert_error, client_for, ids

pytestmark = pytest.mark.django_db


def test_popular_all_ranks_ready_tracks_by_popularity_score():
    low, high, mid = TrackFactory(popularity=1), TrackFactory(popularity=9), TrackFactory(popularity=5)
    TrackFactory(popularity=100, processing_status=ProcessingStatus.PENDING)

    for path in (f"{V1}/tracks/popular/", f"{V1}/tracks/popular", f"{V1}/tracks/popular?period=all"):
        response = client_for().get(path)
        assert response.status_code == 200
        assert ids(response) == [high.id, mid.id, low.id]
        assert response.json()["results"][0]["period_listens"] is None


def test_popular_week_ranks_by_listens_in_the_window_then_by_score():
    heard_often, heard_once, famous_but_unheard = TrackFactory(popularity=1), TrackFactory(popularity=2), TrackFactory(popularity=50)
    quiet = TrackFactory(popularity=0)
    now = timezone.now()
    for _ in range(3):
        ListenFactory(track=heard_often, played_at=now - timedelta(days=2))
    ListenFactory(track=heard_once, played_at=now - timedelta(hours=1))
    for _ in range(5):  # outside the week: counts for "month" only
        ListenFactory(track=quiet, played_at=now - timedelta(days=20))

    week = client_for().get(f"{V1}/tracks/popular/?period=week")
    day = client_for().get(f"{V1}/tracks/popular/?period=day")
    month = client_for().get(f"{V1}/tracks/popular/?period=month")

    assert ids(week) == [heard_often.id, heard_once.id, famous_but_unheard.id, quiet.id]
    assert [r["period_listens"] for r in week.json()["results"]] == [3, 1, 0, 0]
    assert ids(day) == [heard_once.id, famous_but_unheard.id, heard_often.id, quiet.id]
    assert ids(month)[0] == quiet.id


@pytest.mark.parametrize("period", ["year", "", "DAY", SQL_LIKE])
def test_unknown_period_is_400(period):
    assert_error(client_for().get(f"{V1}/tracks/popular/", {"period": period}), 400, "invalid", {"period"})


@pytest.mark.parametrize("page_size", [5, 50])
def test_popular_costs_bounded_queries(page_size, django_assert_max_num_queries):
    for i in range(60):
        track = TrackFactory(album=AlbumFactory(), popularity=i)
        ListenFactory(track=track)
    with django_assert_max_num_queries(4):  # count, the window's ranking, the page's tracks, their credits
        response = client_for().get(f"{V1}/tracks/popular/?period=week&page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    with django_assert_max_num_queries(2):  # the count and the ranking are cached: the tracks and their credits
        second = client_for().get(f"{V1}/tracks/popular/?period=week&page_size={page_size}&page=2")
    assert len(second.json()["results"]) == min(page_size, 60 - page_size) and not set(ids(second)) & set(ids(response))




def test_a_listening_chart_pages_by_number_and_refuses_a_cursor():
    """A window's chart is ranked in memory (catalog.charts), so it cannot seek: its links are page numbers."""
    for i in range(5):
        ListenFactory(track=TrackFactory(popularity=i))
    first = client_for().get(f"{V1}/tracks/popular/?period=week&page_size=2")
    assert "page=2" in first.json()["next"] and "cursor=" not in first.json()["next"]
    second = client_for().get(first.json()["next"])
    assert len(ids(second)) == 2 and not set(ids(second)) & set(ids(first))

    all_time_next = client_for().get(f"{V1}/tracks/popular/?period=all&page_size=2").json()["next"]
    cursor = parse_qs(urlsplit(all_time_next).query)["cursor"][0]  # a valid cursor, of the all-time list
    refused = client_for().get(f"{V1}/tracks/popular/", {"period": "week", "cursor": cursor})
    body = assert_error(refused, 400, fields={"cursor"})
    assert "page numbers" in str(body)
