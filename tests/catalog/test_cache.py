"""API response caching of hot public reads in Redis: served from cache, never stale after a write."""
from __future__ import annotations

import pytest

from catalog.cache import VERSION_KEY
from tests.factories import AlbumFactory, ArtistFactory, ArtistUserFactory, GenreFactory, TrackFactory

from .helpers import V1, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    user = ArtistUserFactory()
    ArtistFactory(user=user)
    return user


@pytest.fixture
def album(owner):
    album = AlbumFactory(artist=owner.artist_profile, title="Cached album")
    TrackFactory(artist=owner.artist_profile, album=album, title="Before", popularity=5)
    return album


@pytest.mark.parametrize("path", ["tracks/popular/", "tracks/popular/?period=week", "genres/", "artists/{artist}", "albums/{album}"])
def test_second_anonymous_read_is_served_without_the_database(path, album, django_assert_num_queries):
    GenreFactory()
    url = f"{V1}/" + path.format(artist=album.artist_id, album=album.id)
    first = client_for().get(url)
    assert first.status_code == 200

    with django_assert_num_queries(0):
        second = client_for().get(url)

    assert second.json() == first.json()


@pytest.mark.parametrize("path", ["tracks/popular/", "albums/{album}"])
def test_editing_a_track_changes_the_next_read(path, owner, album, django_capture_on_commit_callbacks):
    url = f"{V1}/" + path.format(album=album.id)
    track = album.tracks.get()
    assert client_for().get(url).json() and "Before" in str(client_for().get(url).json())

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).patch(f"{V1}/tracks/{track.id}", {"title": "After ✨"}, format="json")
    assert response.status_code == 200

    body = str(client_for().get(url).json())
    assert "After ✨" in body and "Before" not in body


def test_editing_an_artist_or_album_changes_their_pages(owner, album, django_capture_on_commit_callbacks):
    client = client_for()
    assert client.get(f"{V1}/artists/{album.artist_id}").json()["bio"] == ""
    assert client.get(f"{V1}/albums/{album.id}").json()["title"] == "Cached album"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).patch(f"{V1}/artists/{album.artist_id}", {"bio": "New bio"}, format="json")
        client_for(owner).patch(f"{V1}/albums/{album.id}/", {"title": "Renamed"}, format="json")

    assert client.get(f"{V1}/artists/{album.artist_id}").json()["bio"] == "New bio"
    assert client.get(f"{V1}/albums/{album.id}").json()["title"] == "Renamed"


def test_new_track_appears_in_the_cached_album_and_artist_counts(owner, album, django_capture_on_commit_callbacks):
    client = client_for()
    assert client.get(f"{V1}/artists/{album.artist_id}").json()["track_count"] == 1
    assert len(client.get(f"{V1}/albums/{album.id}").json()["tracks"]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).delete(f"{V1}/tracks/{album.tracks.get().id}")
    assert response.status_code == 204

    # Their last ready track gone, the artist and album leave the public catalog (visible_to).
    assert client.get(f"{V1}/artists/{album.artist_id}").status_code == 404
    assert client.get(f"{V1}/albums/{album.id}").status_code == 404
    assert client_for(owner).get(f"{V1}/artists/{album.artist_id}").json()["track_count"] == 0
    assert client_for(owner).get(f"{V1}/albums/{album.id}").json()["tracks"] == []


def test_a_refused_write_does_not_invalidate(album, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    client_for().get(f"{V1}/tracks/popular/")
    version = cache.get(VERSION_KEY)
    track = album.tracks.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ArtistUserFactory()).patch(f"{V1}/tracks/{track.id}", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert cache.get(VERSION_KEY) == version


def test_owner_sees_own_unfinished_album_tracks_not_the_public_cached_page(owner, album):
    from catalog.models import ProcessingStatus

    TrackFactory(artist=owner.artist_profile, album=album, title="Draft", processing_status=ProcessingStatus.PENDING)
    public = client_for().get(f"{V1}/albums/{album.id}").json()
    mine = client_for(owner).get(f"{V1}/albums/{album.id}").json()

    assert [t["title"] for t in public["tracks"]] == ["Before"]
    assert sorted(t["title"] for t in mine["tracks"]) == ["Before", "Draft"]


def test_staff_deleting_a_track_in_django_admin_invalidates_and_keeps_playlists_dense(album, client, django_capture_on_commit_callbacks):
    from tests.factories import AdminFactory, PlaylistFactory, PlaylistTrackFactory

    track, other = album.tracks.get(), TrackFactory(title="Stays")
    playlist = PlaylistFactory()
    for position, t in enumerate([track, other]):
        PlaylistTrackFactory(playlist=playlist, track=t, position=position)
    assert "Before" in str(client_for().get(f"{V1}/tracks/popular/").json())
    client.force_login(AdminFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/track/{track.id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert "Before" not in str(client_for().get(f"{V1}/tracks/popular/").json())
    assert list(playlist.entries.values_list("position", "track_id")) == [(0, other.id)]


def test_reads_still_answer_when_redis_is_unreachable(settings):
    GenreFactory(name="Ska")
    # a real Redis client against a port nothing listens on (connection refused at once)
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}

    response = client_for().get(f"{V1}/genres/")

    assert response.status_code == 200
    assert [g["name"] for g in response.json()["results"]] == ["Ska"]


@pytest.mark.parametrize("path", ["tracks/?ordering=-popularity", "tracks/{track}", "artists/{artist}", "albums/{album}",
                                  "tracks/popular/", "genres/"])
def test_a_cache_hit_is_the_rendered_json_byte_for_byte(path, album):
    """Hits are stored as the rendered body (jonquils.api.responses): no re-encoding, the same bytes."""
    from django.core.cache import cache

    track = album.tracks.first()
    url = f"{V1}/" + path.format(track=track.id, artist=album.artist_id, album=album.id)
    first, second = client_for().get(url), client_for().get(url)

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == second["Content-Type"] == "application/json"
    assert second.content == first.content and second.json() == first.json()
    stored = [cache.get(key) for key in cache.keys("api-cache:catalog:*.json:*")]
    assert stored and all(isinstance(value, bytes) for value in stored)


def _count_version_reads(monkeypatch) -> list:
    """Counts reads of the version key on the real Redis client (each one still goes to Redis)."""
    from catalog import cache as catalog_cache

    reads, real_get = [], catalog_cache.cache.get

    def get(key, *args, **kwargs):
        if key == VERSION_KEY:
            reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(catalog_cache.cache, "get", get)
    return reads


def test_a_page_reads_the_catalog_version_once(album, monkeypatch):
    """The album page's cached part and each of its rows key on the version: one Redis read serves them all."""
    TrackFactory(artist=album.artist, album=album, title="Second")
    client_for().get(f"/albums/{album.id}")  # the version key exists
    reads = _count_version_reads(monkeypatch)

    response = client_for().get(f"/albums/{album.id}")

    assert response.status_code == 200 and b"Second" in response.content
    assert len(reads) == 1


def test_a_write_inside_a_request_is_seen_by_that_request_s_later_reads(album, django_capture_on_commit_callbacks):
    from catalog.cache import CatalogVersionPerRequest, catalog_cache_invalidate, current_version

    seen = []

    def view(_request):
        seen.append(current_version())
        with django_capture_on_commit_callbacks(execute=True):
            catalog_cache_invalidate()
        seen.append(current_version())

    CatalogVersionPerRequest(view)(object())

    assert seen[1] == seen[0] + 1


def test_outside_a_request_every_read_goes_to_redis(album):
    from django.core.cache import cache

    from catalog.cache import current_version

    before = current_version()
    cache.incr(VERSION_KEY)  # another process's write

    assert current_version() == before + 1
