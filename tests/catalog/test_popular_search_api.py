"""Popular tracks (score and listening windows) and the basic database search."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ProcessingStatus
from catalog.selectors import track_search_basic
from tests.factories import AlbumFactory, ArtistFactory, ArtistUserFactory, ListenFactory, TrackFactory, UserFactory

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
    with django_assert_max_num_queries(2):
        response = client_for().get(f"{V1}/tracks/popular/?period=week&page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_search_matches_title_artist_and_album_case_insensitively():
    artist = ArtistFactory(name="The Jonquils")
    album = AlbumFactory(artist=artist, title="Spring FLOWERS")
    by_title = TrackFactory(title="Yellow Jonquil", popularity=1)
    by_artist = TrackFactory(artist=artist, title="Untitled", popularity=3)
    by_album = TrackFactory(artist=ArtistFactory(), album=album, title="Other", popularity=2)
    TrackFactory(title="Nothing here")

    assert ids(client_for().get(f"{V1}/tracks/search/?q=JONQUIL")) == [by_artist.id, by_title.id]
    assert ids(client_for().get(f"{V1}/tracks/search?q=flowers")) == [by_album.id]


def test_search_finds_unicode_and_treats_wildcards_and_sql_literally():
    emoji = TrackFactory(title="Daisy 🌼 Chain")
    literal = TrackFactory(title="100% pure_joy")
    sql = TrackFactory(title=SQL_LIKE)
    TrackFactory(title="1000 pureXjoy")

    assert ids(client_for().get(f"{V1}/tracks/search/", {"q": "🌼"})) == [emoji.id]
    assert ids(client_for().get(f"{V1}/tracks/search/", {"q": "0% pure_"})) == [literal.id]
    assert ids(client_for().get(f"{V1}/tracks/search/", {"q": "DROP TABLE"})) == [sql.id]
    assert ids(client_for().get(f"{V1}/tracks/search/", {"q": "%"})) == [literal.id]


def test_search_hides_unfinished_tracks_except_from_their_owner():
    user = ArtistUserFactory()
    own = TrackFactory(artist=ArtistFactory(user=user), title="Draft song", processing_status=ProcessingStatus.PENDING)
    TrackFactory(title="Draft of someone else", processing_status=ProcessingStatus.FAILED)

    assert ids(client_for().get(f"{V1}/tracks/search/?q=draft")) == []
    assert ids(client_for(UserFactory()).get(f"{V1}/tracks/search/?q=draft")) == []
    assert ids(client_for(user).get(f"{V1}/tracks/search/?q=draft")) == [own.id]
    assert list(track_search_basic(query="  draft ", user=user)) == [own]


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_search_needs_a_short_nonempty_text(query):
    assert_error(client_for().get(f"{V1}/tracks/search/", {"q": query}), 400, "invalid", {"q"})


@pytest.mark.parametrize("page_size", [5, 50])
def test_search_costs_bounded_queries(page_size, django_assert_max_num_queries):
    for _ in range(60):
        TrackFactory(title="Match me", album=AlbumFactory())
    client = client_for(UserFactory())
    with django_assert_max_num_queries(2):
        response = client.get(f"{V1}/tracks/search/?q=match&page_size={page_size}")
    assert len(response.json()["results"]) == page_size
