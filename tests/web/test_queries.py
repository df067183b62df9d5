"""Every page costs a fixed number of SQL queries, whatever the catalog size; browse lists page by keyset."""
from __future__ import annotations

import pytest
from django.core.cache import cache

from catalog.models import Track
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory
from tests.web.conftest import build_catalog

pytestmark = pytest.mark.django_db

MAX_QUERIES = 14


def _grow(catalog, *, artists: int, tracks_per_artist: int) -> None:
    """Thousands of tracks more, in bulk (the factories would take minutes)."""
    genre = catalog.genres[0]
    for a in range(artists):
        artist = ArtistFactory(name=f"Bulk {a:04d}")
        album = AlbumFactory(artist=artist, title=f"Bulk album {a:04d}")
        Track.objects.bulk_create([
            Track(artist=artist, album=album, genre=genre, title=f"Bulk {a}-{t}", track_number=t + 1,
                  duration_ms=200_000, processing_status="ready", popularity=float(t))
            for t in range(tracks_per_artist)
        ])


def _urls(catalog) -> list[str]:
    return ["/", "/browse/artists", "/browse/artists?letter=B", "/browse/albums", "/browse/albums?order=az",
            "/browse/albums?order=year", "/browse/genres", f"/artists/{catalog.artists[0].pk}",
            f"/albums/{catalog.albums[0].pk}", f"/genres/{catalog.genres[0].pk}", f"/tracks/{catalog.tracks[0].pk}",
            "/search?q=song", "/playlists/", f"/playlists/{catalog.playlist.pk}", "/library/", "/library/favourites",
            "/library/history"]


def test_pages_cost_the_same_queries_on_a_catalog_of_thousands(client, django_assert_max_num_queries):
    catalog = build_catalog()
    client.force_login(catalog.listener)
    small = {}
    for url in _urls(catalog):
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url).status_code == 200, url
        small[url] = len(captured)

    _grow(catalog, artists=60, tracks_per_artist=50)  # 3,000 more tracks, 60 artists, 60 albums
    cache.clear()  # bulk_create bumps no catalog version: measure the grown catalog, not the cached pages
    assert Track.objects.count() > 3000
    for url in _urls(catalog):
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url).status_code == 200, url
        assert len(captured) <= small[url] + 1, f"{url}: {small[url]} → {len(captured)} queries"


def test_browse_pages_follow_the_keyset_without_offset_or_count(client, django_assert_max_num_queries):
    catalog = build_catalog()
    _grow(catalog, artists=120, tracks_per_artist=1)
    seen, url, pages = [], "/browse/artists", 0
    while url:
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            response = client.get(url, headers={"HX-Request": "true", "HX-Target": "artist-more"} if pages else {})
        sql = " ".join(query["sql"] for query in captured.captured_queries).upper()
        assert " OFFSET " not in sql and "COUNT(*)" not in sql
        body = response.content.decode()
        seen += [line for line in body.split('class="card-title">')[1:]]
        marker = 'hx-get="/browse/artists?after='
        url = ("/browse/artists?after=" + body.split(marker, 1)[1].split('"', 1)[0]) if marker in body else None
        pages += 1
    names = [chunk.split("<", 1)[0] for chunk in seen]
    assert pages == 3 and len(names) == len(set(names)) == 124  # 4 named artists + 120 bulk ones, none twice
    assert names == sorted(names, key=str.lower)
