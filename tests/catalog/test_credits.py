"""Credited artists in the catalog: the display rules, the REST API, the pages, visibility and query counts."""
from __future__ import annotations

import re

import pytest

from catalog.models import AlbumArtist, Artist, CreditRole, ProcessingStatus, Track, TrackArtist
from catalog.selectors import Credit, album_display_artist, credits_display, track_credits, track_display_artist
from tests.catalog.helpers import V1, client_for
from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, ArtistUserFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def credited_track(main: Artist, *others: tuple[Artist, str], **fields) -> Track:
    """A track whose credits are `main` then `others` ((artist, role)), as the ETL writes them."""
    track = TrackFactory(artist=main, **fields)
    TrackArtist.objects.bulk_create([TrackArtist(track=track, artist=artist, position=i, role=role)
                                     for i, (artist, role) in enumerate([(main, CreditRole.MAIN), *others])])
    return track


def credited_album(*artists: Artist, **fields):
    album = AlbumFactory(artist=artists[0], **fields)
    AlbumArtist.objects.bulk_create([AlbumArtist(album=album, artist=a, position=i) for i, a in enumerate(artists)])
    return album


@pytest.fixture
def feat():
    """'Eres' by Café Tacvba feat. Ana Tijoux & Mon Laferte, on a Various Artists compilation."""
    main, ana, mon, various = (ArtistFactory(name=n) for n in ("Café Tacvba", "Ana Tijoux", "Mon Laferte", "Various Artists"))
    album = credited_album(various, title="Hits")
    track = credited_track(main, (ana, CreditRole.FEATURED), (mon, CreditRole.FEATURED), title="Eres", album=album)
    return {"track": track, "main": main, "ana": ana, "mon": mon, "various": various, "album": album}


# --- the display rule: one place ----------------------------------------------------------------

def _c(name: str, role: str = CreditRole.MAIN) -> Credit:
    return Credit(artist=Artist(name=name), role=role)


@pytest.mark.parametrize(("credits", "shown"), [
    ([_c("A")], "A"),
    ([_c("A"), _c("B", "featured")], "A feat. B"),
    ([_c("A"), _c("B")], "A & B"),
    ([_c("A"), _c("B"), _c("C")], "A, B & C"),
    ([_c("A"), _c("B"), _c("C", "featured"), _c("D", "featured")], "A & B feat. C & D"),
    ([_c("Simon & Garfunkel")], "Simon & Garfunkel"),
])
def test_the_display_string_lists_main_artists_then_the_featured(credits, shown):
    assert credits_display(credits) == shown


def test_a_track_or_album_without_credit_rows_is_credited_to_its_artist():
    track = TrackFactory(album=AlbumFactory())
    assert [(c.id, c.role) for c in track_credits(track)] == [(track.artist_id, "main")]
    assert track_display_artist(track) == track.artist.name
    assert album_display_artist(track.album) == track.album.artist.name


# --- REST API -----------------------------------------------------------------------------------

def test_track_api_lists_every_credited_artist_and_keeps_artist(feat):
    body = client_for().get(f"{V1}/tracks/{feat['track'].id}").json()
    assert body["artist"] == {"id": feat["main"].id, "name": "Café Tacvba"}
    assert body["artists"] == [
        {"id": feat["main"].id, "name": "Café Tacvba", "role": "main"},
        {"id": feat["ana"].id, "name": "Ana Tijoux", "role": "featured"},
        {"id": feat["mon"].id, "name": "Mon Laferte", "role": "featured"},
    ]
    assert body["display_artist"] == "Café Tacvba feat. Ana Tijoux & Mon Laferte"


def test_album_api_gives_the_albums_own_artists_apart_from_its_tracks(feat):
    body = client_for().get(f"{V1}/albums/{feat['album'].id}").json()
    assert body["artists"] == [{"id": feat["various"].id, "name": "Various Artists"}]
    assert body["display_artist"] == "Various Artists"
    assert [a["name"] for a in body["tracks"][0]["artists"]] == ["Café Tacvba", "Ana Tijoux", "Mon Laferte"]


def test_a_featured_artist_is_visible_and_lists_the_tracks_crediting_them(feat):
    client = client_for()
    ana = feat["ana"]
    detail = client.get(f"{V1}/artists/{ana.id}").json()
    assert (detail["name"], detail["track_count"], detail["album_count"]) == ("Ana Tijoux", 1, 0)
    tracks = client.get(f"{V1}/artists/{ana.id}/tracks").json()["results"]
    assert [t["title"] for t in tracks] == ["Eres"]
    # the compilation's artist is visible through its album, and the album is theirs
    various = client.get(f"{V1}/artists/{feat['various'].id}").json()
    assert (various["track_count"], various["album_count"]) == (0, 1)
    assert [a["title"] for a in client.get(f"{V1}/artists/{feat['various'].id}/albums").json()["results"]] == ["Hits"]
    assert feat["ana"].id in {a["id"] for a in client.get(f"{V1}/artists/?page_size=50").json()["results"]}


def test_an_artist_credited_only_on_unfinished_tracks_stays_hidden(feat):
    ghost = ArtistFactory(name="Ghost")
    credited_track(ArtistFactory(name="Owner"), (ghost, CreditRole.FEATURED), processing_status=ProcessingStatus.PENDING)
    response = client_for(UserFactory()).get(f"{V1}/artists/{ghost.id}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client_for(UserFactory()).get(f"{V1}/artists/{ghost.id}/tracks").status_code == 404
    # admins see everything
    admin = AdminFactory()
    assert client_for(admin).get(f"{V1}/artists/{ghost.id}").json()["track_count"] == 1


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.parametrize("path", ["tracks/", "albums/", "artists/{artist}/tracks", "tracks/popular/"])
def test_lists_with_many_credits_cost_a_fixed_number_of_queries(path, page_size, django_assert_max_num_queries):
    guest = ArtistFactory(name="Guest")
    for i in range(60):
        album = credited_album(ArtistFactory(), ArtistFactory())
        credited_track(ArtistFactory(), (ArtistFactory(), CreditRole.MAIN), (guest, CreditRole.FEATURED), album=album)
    client = client_for(UserFactory())
    with django_assert_max_num_queries(4):
        response = client.get(f"{V1}/" + path.format(artist=guest.id) + f"?page_size={page_size}")
    results = response.json()["results"]
    assert len(results) == page_size
    if "tracks" in path:
        assert all(len(t["artists"]) == 3 and " feat. Guest" in t["display_artist"] for t in results)
    else:
        assert all(len(a["artists"]) == 2 and " & " in a["display_artist"] for a in results)


def test_credit_rows_refuse_duplicates_and_bad_roles(feat):
    from django.db import IntegrityError, transaction

    for bad in ({"artist": feat["ana"], "position": 9, "role": "main"},  # credited twice
                {"artist": ArtistFactory(), "position": 1, "role": "main"},  # position taken
                {"artist": ArtistFactory(), "position": 9, "role": "producer"}):  # no such role
        with pytest.raises(IntegrityError), transaction.atomic():
            TrackArtist.objects.create(track=feat["track"], **bad)
    assert TrackArtist.objects.filter(track=feat["track"]).count() == 3


def test_the_track_create_service_credits_the_new_track_and_album():
    from catalog.services import album_create, track_create

    artist_user = ArtistUserFactory()
    artist = ArtistFactory(user=artist_user, name="Self")
    album = album_create(actor=artist_user, title="Own")
    track = track_create(actor=artist_user, title="Mine", album_id=album.pk)
    assert list(TrackArtist.objects.filter(track=track).values_list("artist", "position", "role")) == [(artist.pk, 0, "main")]
    assert list(AlbumArtist.objects.filter(album=album).values_list("artist", "position")) == [(artist.pk, 0)]


# --- pages --------------------------------------------------------------------------------------

def _links(html: str, artist: Artist) -> int:
    return len(re.findall(rf'href="/artists/{artist.id}"[^>]*>{re.escape(artist.name)}<', html))


def test_pages_link_every_credited_artist(client, feat):
    for response in (client.get(f"/albums/{feat['album'].id}"), client.get(f"/tracks/{feat['track'].id}"),
                     client.get(f"/artists/{feat['ana'].id}")):
        assert response.status_code == 200
    album_html = client.get(f"/albums/{feat['album'].id}").content.decode()
    track_html = client.get(f"/tracks/{feat['track'].id}").content.decode()
    ana_html = client.get(f"/artists/{feat['ana'].id}").content.decode()

    for artist in (feat["main"], feat["ana"], feat["mon"]):
        assert _links(album_html, artist) >= 1 and _links(track_html, artist) >= 1
    assert _links(album_html, feat["various"]) >= 1  # the album's own artist in its header
    assert "feat." in track_html and "Eres · Café Tacvba feat. Ana Tijoux &amp; Mon Laferte" in track_html  # <title>
    assert 'data-track-id="%d"' % feat["track"].id in ana_html  # the featured artist's page lists the track


def test_the_artist_filters_of_the_lists_keep_what_credits_the_artist(feat):
    client = client_for()
    tracks = client.get(f"{V1}/tracks/", {"artist": feat["mon"].id}).json()["results"]
    assert [t["id"] for t in tracks] == [feat["track"].id]
    albums = client.get(f"{V1}/albums/", {"artist": feat["various"].id}).json()["results"]
    assert [a["id"] for a in albums] == [feat["album"].id]
    assert client.get(f"{V1}/albums/", {"artist": feat["mon"].id}).json()["results"] == []  # a track's credit, not the album's
    response = client.get(f"{V1}/tracks/", {"artist": "abc"})
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_the_player_shows_every_credited_artist_in_two_queries(feat, django_assert_max_num_queries):
    plain = TrackFactory(title="Plain")  # no credit rows: its artist alone
    more = [credited_track(ArtistFactory(), (ArtistFactory(name=f"Guest {i}"), CreditRole.FEATURED)) for i in range(30)]
    client = client_for(UserFactory())
    ids = ",".join(str(t.pk) for t in [feat["track"], plain, *more])
    with django_assert_max_num_queries(3):  # the user, the tracks, their credits
        rows = client.get(f"{V1}/me/play-queue/tracks", {"ids": ids}).json()
    shown = {row["id"]: row["display_artist"] for row in rows}
    assert shown[feat["track"].pk] == "Café Tacvba feat. Ana Tijoux & Mon Laferte"
    assert shown[plain.pk] == plain.artist.name
    assert all(shown[t.pk].endswith(f" feat. Guest {i}") for i, t in enumerate(more))
    assert {row["artist_name"] for row in rows if row["id"] == feat["track"].pk} == {"Café Tacvba"}  # unchanged field
