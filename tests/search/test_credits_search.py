"""Search finds a track under each credited artist's name and an album under each of its own artists',
on every backend here; renames and later credits are followed."""
from __future__ import annotations

import pytest

from catalog.models import AlbumArtist, CreditRole, TrackArtist
from catalog.services import artist_update
from tests.catalog.test_credits import credited_album, credited_track
from tests.factories import AdminFactory, ArtistFactory
from tests.search.conftest import search_backend  # noqa: F401 (fixture: every backend that exists here)

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "/api/v1/search/{}"


@pytest.fixture
def credits(search_backend):
    main, guest, various, second = (ArtistFactory(name=n) for n in ("Café Tacvba", "Ana Tijoux", "Various Artists", "Juanes"))
    album = credited_album(various, second, title="Summer Hits")
    track = credited_track(main, (guest, CreditRole.FEATURED), title="Eres", album=album)
    other = credited_track(ArtistFactory(name="Zoé"), title="Labios Rotos")
    reindex(search_backend)
    return {"main": main, "guest": guest, "various": various, "second": second, "album": album, "track": track,
            "other": other}


def reindex(backend: str) -> None:
    if backend == "elasticsearch":
        from search.es import rebuild_all

        rebuild_all(refresh=True)


def _ids(client, kind: str, **params) -> list[int]:
    response = client.get(SEARCH.format(kind), params)
    assert response.status_code == 200, response.content
    return [hit["id"] for hit in response.json()["results"]]


def test_a_track_is_found_under_each_credited_artists_name(client, credits):
    for query in ("Café Tacvba", "ana tijoux", "tijoux eres", "tijou"):  # whole, folded, with the title, a prefix
        assert _ids(client, "tracks", q=query)[:1] == [credits["track"].pk], query
    hit = client.get(SEARCH.format("tracks"), {"q": "tijoux"}).json()["results"][0]
    assert hit["display_artist"] == "Café Tacvba feat. Ana Tijoux"
    assert [(a["name"], a["role"]) for a in hit["artists"]] == [("Café Tacvba", "main"), ("Ana Tijoux", "featured")]
    assert credits["other"].pk not in _ids(client, "tracks", q="tijoux")


def test_an_album_is_found_under_each_of_its_own_artists(client, credits):
    assert _ids(client, "albums", q="juanes") == [credits["album"].pk]
    assert _ids(client, "albums", q="various artists") == [credits["album"].pk]
    hit = client.get(SEARCH.format("albums"), {"q": "juanes"}).json()["results"][0]
    assert hit["display_artist"] == "Various Artists & Juanes"


def test_the_artist_filter_keeps_tracks_and_albums_crediting_the_artist(client, credits):
    assert _ids(client, "tracks", q="eres", artist=credits["guest"].pk) == [credits["track"].pk]
    assert _ids(client, "albums", q="summer", artist=credits["second"].pk) == [credits["album"].pk]
    assert _ids(client, "tracks", q="eres", artist=credits["other"].artist_id) == []


def test_a_renamed_featured_artist_is_found_under_the_new_name_only(client, credits, search_backend):
    artist_update(actor=AdminFactory(), artist=credits["guest"], name="Anita Arce")  # the service (API, admin) path
    reindex(search_backend)
    assert _ids(client, "tracks", q="anita arce") == [credits["track"].pk]
    assert _ids(client, "tracks", q="tijoux") == []


def test_credits_added_or_removed_later_change_what_finds_the_track(client, credits, search_backend):
    newcomer = ArtistFactory(name="Natalia Lafourcade")
    TrackArtist.objects.create(track=credits["other"], artist=newcomer, position=1, role=CreditRole.FEATURED)
    AlbumArtist.objects.filter(album=credits["album"], artist=credits["second"]).delete()
    reindex(search_backend)
    assert _ids(client, "tracks", q="lafourcade") == [credits["other"].pk]
    assert _ids(client, "albums", q="juanes") == []


def test_the_elasticsearch_documents_carry_every_credited_artist(credits):
    from search.documents import DOCUMENTS

    def prepared(entity, pk):
        document = DOCUMENTS[entity]()
        return document.prepare(document.get_queryset().get(pk=pk))

    track = prepared("track", credits["track"].pk)
    assert track["artist_name"] == ["Café Tacvba", "Ana Tijoux"]
    assert track["artist_ids"] == [credits["main"].pk, credits["guest"].pk] and track["artist_id"] == credits["main"].pk
    album = prepared("album", credits["album"].pk)
    assert album["artist_name"] == ["Various Artists", "Juanes"]
