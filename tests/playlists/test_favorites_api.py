"""Favourites: like/unlike are idempotent; I list only my own likes."""
from __future__ import annotations

import pytest

from catalog.models import ProcessingStatus
from playlists.models import Favorite
from tests.catalog.helpers import HUGE_ID, V1, assert_error, client_for, ids
from tests.factories import AlbumFactory, FavoriteFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def favorite_track_ids(response) -> list[int]:
    return [row["track"]["id"] for row in response.json()["results"]]


def test_like_is_idempotent_and_unlike_too():
    user, track = UserFactory(), TrackFactory()
    client = client_for(user)

    assert client.post(f"{V1}/tracks/{track.id}/favorite").status_code == 201
    second = client.post(f"{V1}/tracks/{track.id}/favorite/")
    assert second.status_code == 200 and second.json()["track"]["id"] == track.id
    assert Favorite.objects.filter(user=user).count() == 1

    assert client.delete(f"{V1}/tracks/{track.id}/favorite").status_code == 204
    assert client.delete(f"{V1}/tracks/{track.id}/favorite/").status_code == 204
    assert not Favorite.objects.exists()


def test_my_favourites_are_mine_newest_first():
    me = UserFactory()
    older, newer = TrackFactory(), TrackFactory()
    client = client_for(me)
    client.post(f"{V1}/tracks/{older.id}/favorite")
    client.post(f"{V1}/tracks/{newer.id}/favorite")
    FavoriteFactory()  # somebody else's

    assert favorite_track_ids(client.get(f"{V1}/me/favorites")) == [newer.id, older.id]
    assert favorite_track_ids(client_for(UserFactory()).get(f"{V1}/me/favorites/")) == []


def test_liking_unknown_or_hidden_tracks_is_404_and_writes_nothing():
    client = client_for(UserFactory())
    hidden = TrackFactory(processing_status=ProcessingStatus.FAILED)
    for track_id in (hidden.id, 987654, HUGE_ID):
        assert_error(client.post(f"{V1}/tracks/{track_id}/favorite"), 404)
    assert_error(client.post(f"{V1}/tracks/abc/favorite"), 404)
    assert not Favorite.objects.exists()


def test_favourites_need_a_login():
    track = TrackFactory()
    assert_error(client_for().post(f"{V1}/tracks/{track.id}/favorite"), 401)
    assert_error(client_for().delete(f"{V1}/tracks/{track.id}/favorite"), 401)
    assert_error(client_for().get(f"{V1}/me/favorites"), 401)


def test_a_favourite_that_became_hidden_is_not_listed():
    me, track = UserFactory(), TrackFactory()
    FavoriteFactory(user=me, track=track)
    track.processing_status = ProcessingStatus.PROCESSING
    track.save()
    assert client_for(me).get(f"{V1}/me/favorites").json()["results"] == []


@pytest.mark.parametrize("page_size", [5, 50])
def test_favourites_list_costs_bounded_queries(page_size, django_assert_max_num_queries):
    me = UserFactory()
    for _ in range(60):
        FavoriteFactory(user=me, track=TrackFactory(album=AlbumFactory()))
    client = client_for(me)
    with django_assert_max_num_queries(3):  # + the credited artists' prefetch
        response = client.get(f"{V1}/me/favorites?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    assert_error(client.get(f"{V1}/me/favorites?page_size=-4"), 400, "invalid", {"page_size"})
