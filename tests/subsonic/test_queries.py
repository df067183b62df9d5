"""Lists cost a fixed number of queries whatever their size (getAlbumList2 of 500 albums asserted)."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ArtistFactory, GenreFactory

pytestmark = pytest.mark.django_db


def _catalog(albums: int):
    from catalog.models import Album, Track

    genre = GenreFactory(name="Pop")
    artists = [ArtistFactory() for _ in range(10)]
    made = Album.objects.bulk_create([Album(artist=artists[i % 10], title=f"Album {i:04d}") for i in range(albums)])
    Track.objects.bulk_create([Track(artist=album.artist, album=album, genre=genre, title=f"Song {album.pk}-{n}",
                                     duration_ms=200_000, processing_status="ready") for album in made for n in range(2)])
    return made


def _queries(subsonic, method, params) -> tuple[int, dict]:
    subsonic.json("ping")  # auth lookups warm; each call still authenticates (1 query)
    with CaptureQueriesContext(connection) as queries:
        answer = subsonic.json(method, params)
    return len(queries), answer


@pytest.mark.parametrize("method, params, path", [
    ("getAlbumList2", {"type": "alphabeticalByName", "size": 500}, ("albumList2", "album")),
    ("getAlbumList", {"type": "newest", "size": 500}, ("albumList", "album")),
    ("search3", {"query": "", "albumCount": 500, "songCount": 500, "artistCount": 500}, ("searchResult3", "album")),
    ("getRandomSongs", {"size": 500}, ("randomSongs", "song")),
    ("getArtists", {}, ("artists", "index")),
    ("getStarred2", {}, ("starred2", "album")),
])
def test_fixed_query_counts(subsonic, method, params, path):
    _catalog(5)
    small, answer = _queries(subsonic, method, params)
    _catalog(495)
    cache.clear()  # the rows came past the services (no catalog version bump): drop the cached lists
    large, answer = _queries(subsonic, method, params)
    assert large == small, f"{method}: {small} queries for 5 albums, {large} for 500"
    assert small <= 11  # search3: auth, three lists, their annotations and the credited-artist prefetches
    if method == "getAlbumList2":
        albums = answer["albumList2"]["album"]
        assert len(albums) == 500 and all(a["songCount"] == 2 and a["duration"] == 400 for a in albums)
