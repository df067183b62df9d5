"""Artists, albums and genres over HTTP."""
from __future__ import annotations

import datetime as dt

import pytest

from catalog.models import Album, Artist, ProcessingStatus
from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, ArtistUserFactory, GenreFactory, TrackFactory, UserFactory

from .helpers import EMOJI_TITLE, HUGE_ID, SQL_LIKE, V1, assert_error, client_for, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def artist_user():
    user = ArtistUserFactory()
    ArtistFactory(user=user, name="Mine")
    return user


# --- artists ----------------------------------------------------------------------------

def test_artist_list_is_ordered_by_name_then_id():
    b, a1, a2 = ArtistFactory(name="Beta"), ArtistFactory(name="Alpha"), ArtistFactory(name="Alpha")
    for artist in (b, a1, a2):
        TrackFactory(artist=artist)
    assert ids(client_for().get(f"{V1}/artists")) == [a1.id, a2.id, b.id]


def test_artist_detail_counts_public_tracks_and_albums():
    artist = ArtistFactory(name=EMOJI_TITLE)
    TrackFactory(artist=artist, album=AlbumFactory(artist=artist))
    AlbumFactory(artist=artist)  # empty: not shown to the public (Album.visible_to)
    TrackFactory(artist=artist, processing_status=ProcessingStatus.FAILED)

    body = client_for().get(f"{V1}/artists/{artist.id}/").json()

    assert body["name"] == EMOJI_TITLE and body["album_count"] == 1 and body["track_count"] == 1


@pytest.mark.parametrize("bad_id", ["424242", str(HUGE_ID)])
def test_unknown_artist_is_404_everywhere(bad_id):
    for suffix in ("", "/tracks", "/albums"):
        assert_error(client_for().get(f"{V1}/artists/{bad_id}{suffix}"), 404, "not_found")


def test_artist_tracks_and_albums():
    artist = ArtistFactory()
    old = AlbumFactory(artist=artist, release_date=dt.date(1990, 1, 1))
    new = AlbumFactory(artist=artist, release_date=dt.date(2020, 1, 1))
    undated = AlbumFactory(artist=artist)
    unfinished = AlbumFactory(artist=artist, release_date=dt.date(2025, 1, 1))
    TrackFactory(album=AlbumFactory())
    hit, miss = TrackFactory(artist=artist, album=new, popularity=9), TrackFactory(artist=artist, album=old, popularity=1)
    last = TrackFactory(artist=artist, album=undated, popularity=0)
    TrackFactory(artist=artist, album=unfinished, processing_status=ProcessingStatus.PENDING)
    TrackFactory()

    assert ids(client_for().get(f"{V1}/artists/{artist.id}/tracks/")) == [hit.id, miss.id, last.id]
    assert ids(client_for().get(f"{V1}/artists/{artist.id}/albums")) == [new.id, old.id, undated.id]


def test_admin_creates_artists_and_artist_user_creates_own_profile_once():
    response = client_for(AdminFactory()).post(f"{V1}/artists/", {"name": "Signed", "country": "FR"}, format="json")
    assert response.status_code == 201 and Artist.objects.get(pk=response.json()["id"]).user is None

    newcomer = ArtistUserFactory()
    response = client_for(newcomer).post(f"{V1}/artists", {"name": "Me 🎤"}, format="json")
    assert response.status_code == 201
    assert Artist.objects.get(pk=response.json()["id"]).user == newcomer
    assert_error(client_for(newcomer).post(f"{V1}/artists", {"name": "Again"}, format="json"), 400)
    assert Artist.objects.filter(user=newcomer).count() == 1


def test_listener_cannot_create_an_artist():
    assert_error(client_for(UserFactory()).post(f"{V1}/artists/", {"name": "x"}, format="json"), 403)
    assert_error(client_for().post(f"{V1}/artists/", {"name": "x"}, format="json"), 401)
    assert not Artist.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "n" * 256}, "name"),
    ({"name": "x", "country": "France"}, "country"), ({"name": "x", "country": "fr"}, "country"),
    ({"name": "x", "bio": ["list"]}, "bio"),
])
def test_bad_artist_input_is_400(payload, field):
    assert_error(client_for(AdminFactory()).post(f"{V1}/artists/", payload, format="json"), 400, "invalid", {field})
    assert not Artist.objects.exists()


def test_only_owner_or_admin_updates_an_artist(artist_user):
    mine, other = artist_user.artist_profile, ArtistFactory(name="Other")
    TrackFactory(artist=other)

    response = client_for(artist_user).patch(f"{V1}/artists/{mine.id}", {"name": SQL_LIKE}, format="json")
    assert response.status_code == 200 and response.json()["name"] == SQL_LIKE
    assert_error(client_for(artist_user).patch(f"{V1}/artists/{other.id}", {"name": "Taken"}, format="json"), 403)
    assert_error(client_for(UserFactory()).put(f"{V1}/artists/{other.id}", {"name": "Taken"}, format="json"), 403)
    assert client_for(AdminFactory()).put(f"{V1}/artists/{other.id}/", {"name": "Admin set"}, format="json").status_code == 200
    other.refresh_from_db()
    assert other.name == "Admin set"


def test_artists_cannot_be_deleted_over_the_api(artist_user):
    response = client_for(artist_user).delete(f"{V1}/artists/{artist_user.artist_profile.id}")
    assert_error(response, 405)
    assert Artist.objects.filter(pk=artist_user.artist_profile.pk).exists()


# --- albums -----------------------------------------------------------------------------

def test_album_detail_lists_tracks_in_disc_and_track_order():
    album = AlbumFactory()
    d2t1 = TrackFactory(artist=album.artist, album=album, disc_number=2, track_number=1)
    d1t2 = TrackFactory(artist=album.artist, album=album, disc_number=1, track_number=2)
    d1t1 = TrackFactory(artist=album.artist, album=album, disc_number=1, track_number=1)
    unnumbered = TrackFactory(artist=album.artist, album=album)
    TrackFactory(artist=album.artist, album=album, disc_number=1, track_number=3, processing_status=ProcessingStatus.FAILED)

    body = client_for().get(f"{V1}/albums/{album.id}").json()

    assert [t["id"] for t in body["tracks"]] == [d1t1.id, d1t2.id, d2t1.id, unnumbered.id]
    assert body["artist"]["id"] == album.artist.id


def test_album_list_filters_by_artist_and_year():
    artist = ArtistFactory()
    a = AlbumFactory(artist=artist, release_date=dt.date(2011, 2, 3))
    b = AlbumFactory(release_date=dt.date(2011, 5, 5))
    c = AlbumFactory(release_date=dt.date(2012, 1, 1))
    for album in (a, b, c):
        TrackFactory(artist=album.artist, album=album)
    assert ids(client_for().get(f"{V1}/albums/?artist={artist.id}")) == [a.id]
    assert ids(client_for().get(f"{V1}/albums?year=2011")) == [a.id, b.id]
    assert_error(client_for().get(f"{V1}/albums?artist=x"), 400, "invalid", {"artist"})


def test_album_create_and_update_by_role(artist_user):
    response = client_for(artist_user).post(f"{V1}/albums/", {"title": EMOJI_TITLE, "release_date": "2024-02-29"}, format="json")
    assert response.status_code == 201
    album = Album.objects.get(pk=response.json()["id"])
    assert album.artist == artist_user.artist_profile and album.title == EMOJI_TITLE

    foreign = ArtistFactory()
    assert_error(client_for(artist_user).post(f"{V1}/albums/", {"title": "x", "artist_id": foreign.id}, format="json"), 403)
    assert_error(client_for(UserFactory()).post(f"{V1}/albums/", {"title": "x"}, format="json"), 403)
    assert_error(client_for(AdminFactory()).post(f"{V1}/albums/", {"title": "x", "artist_id": HUGE_ID}, format="json"),
                 400, "invalid", {"artist_id"})
    assert_error(client_for(AdminFactory()).post(f"{V1}/albums/", {"title": "x", "artist_id": 987654}, format="json"),
                 400, "invalid", {"artist_id"})
    assert Album.objects.count() == 1

    other_album = AlbumFactory(title="Theirs")
    TrackFactory(artist=other_album.artist, album=other_album)
    assert_error(client_for(artist_user).patch(f"{V1}/albums/{other_album.id}", {"title": "Mine now"}, format="json"), 403)
    assert client_for(artist_user).patch(f"{V1}/albums/{album.id}", {"release_date": None}, format="json").status_code == 200
    other_album.refresh_from_db()
    album.refresh_from_db()
    assert other_album.title == "Theirs" and album.release_date is None


@pytest.mark.parametrize("payload, field", [
    ({"title": "x", "release_date": "2024-02-30"}, "release_date"),
    ({"title": "x", "release_date": "yesterday"}, "release_date"),
    ({"title": "t" * 256}, "title"),
    ({}, "title"),
])
def test_bad_album_input_is_400(artist_user, payload, field):
    assert_error(client_for(artist_user).post(f"{V1}/albums/", payload, format="json"), 400, "invalid", {field})
    assert not Album.objects.exists()


# --- genres and query bounds ------------------------------------------------------------

def test_genre_list_is_alphabetical_and_read_only():
    GenreFactory(name="Rock"), GenreFactory(name="Ambient")
    response = client_for().get(f"{V1}/genres")
    assert [g["name"] for g in response.json()["results"]] == ["Ambient", "Rock"]
    assert_error(client_for(AdminFactory()).post(f"{V1}/genres/", {"name": "New"}, format="json"), 405)


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.parametrize("path", ["artists/", "albums/", "genres/", "artists/{artist}/tracks", "artists/{artist}/albums"])
def test_list_endpoints_cost_bounded_queries(path, page_size, django_assert_max_num_queries):
    artist = ArtistFactory()
    for i in range(60):
        GenreFactory()
        TrackFactory(artist=ArtistFactory())
        album = AlbumFactory(artist=artist)
        TrackFactory(artist=artist, album=album, genre=GenreFactory(name=f"g{i}"))
    url = f"{V1}/" + path.format(artist=artist.id) + f"?page_size={page_size}"
    client = client_for(UserFactory())

    with django_assert_max_num_queries(4):  # + the credited artists' prefetch
        response = client.get(url)

    assert response.status_code == 200 and len(response.json()["results"]) == page_size


def test_album_detail_costs_bounded_queries(django_assert_max_num_queries):
    album = AlbumFactory()
    for n in range(40):
        TrackFactory(artist=album.artist, album=album, track_number=n + 1, genre=GenreFactory())
    client = client_for(AdminFactory())
    with django_assert_max_num_queries(4):  # + album and track credits' prefetches
        response = client.get(f"{V1}/albums/{album.id}")
    assert len(response.json()["tracks"]) == 40
