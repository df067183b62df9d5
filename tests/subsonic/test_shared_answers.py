"""What Subsonic answers once for many: the artist index and the shared album lists are cached per
catalog version for public viewers (the user's own stars and ratings stay live, catalog writes drop
the cached answer, viewers who see more never read it), and a library sync's pages seek from the
page before instead of counting past every earlier row."""
from __future__ import annotations

import pytest

from django.core.cache import cache

from catalog.curation import tracks_hidden_set
from playlists.models import Rating, Star
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # catalog writes bump the version on commit


def _ids(index) -> list[str]:
    return [a["id"] for group in index for a in group["artist"]]


def test_artist_index_is_shared_but_marks_are_the_users_own(subsonic, library, listener):
    abba, bach = library["artists"]
    first = subsonic.json("getArtists")["artists"]["index"]
    assert _ids(first) == [f"ar-{abba.pk}", f"ar-{bach.pk}"]  # "The Abba" files under A
    assert all("starred" not in a for group in first for a in group["artist"])

    Star.objects.create(user=listener, kind="artist", item_id=abba.pk)
    Rating.objects.create(user=listener, kind="artist", item_id=bach.pk, rating=4)
    again = {a["id"]: a for group in subsonic.json("getArtists")["artists"]["index"] for a in group["artist"]}
    assert again[f"ar-{abba.pk}"]["starred"].endswith("Z") and "userRating" not in again[f"ar-{abba.pk}"]
    assert again[f"ar-{bach.pk}"]["userRating"] == 4 and "starred" not in again[f"ar-{bach.pk}"]
    legacy = {a["id"]: a for group in subsonic.json("getIndexes")["indexes"]["index"] for a in group["artist"]}
    assert legacy[f"ar-{abba.pk}"]["starred"].endswith("Z")


def test_the_encoded_index_takes_marks_in_every_format_and_names_cannot_fake_an_artist(subsonic, library, listener):
    """The index is cached as encoded text per format and the user's marks are spliced in after each
    marked artist's id: an artist whose name spells another artist's start gets no one's marks."""
    import json

    from tests.factories import ArtistFactory, TrackFactory

    abba, bach = library["artists"]
    decoy = ArtistFactory(name=f'x", {{"id": "ar-{bach.pk}", <artist id="ar-{bach.pk}" & ünïcode')
    TrackFactory(artist=decoy, album=None, title="Decoy song", processing_status="ready")
    for fmt in ("json", "xml", "jsonp"):  # each format cached before the marks exist
        subsonic.raw("getIndexes", {"callback": "cb"} if fmt == "jsonp" else None, fmt=fmt)
    Rating.objects.create(user=listener, kind="artist", item_id=bach.pk, rating=3)
    Star.objects.create(user=listener, kind="artist", item_id=abba.pk)

    shown = {a["id"]: a for g in subsonic.json("getIndexes")["indexes"]["index"] for a in g["artist"]}
    assert shown[f"ar-{decoy.pk}"] == {"id": f"ar-{decoy.pk}", "name": decoy.name}
    assert shown[f"ar-{bach.pk}"]["userRating"] == 3 and shown[f"ar-{abba.pk}"]["starred"].endswith("Z")

    root = subsonic.xml("getIndexes")
    artists = {a.get("id"): a for a in root.iter("{http://subsonic.org/restapi}artist")}
    assert artists[f"ar-{decoy.pk}"].attrib == {"id": f"ar-{decoy.pk}", "name": decoy.name}
    assert artists[f"ar-{bach.pk}"].get("userRating") == "3" and artists[f"ar-{abba.pk}"].get("starred").endswith("Z")

    wrapped = subsonic.raw("getIndexes", {"callback": "cb"}, fmt="jsonp").content.decode()
    assert wrapped.startswith("cb(") and wrapped.endswith(");")
    body = json.loads(wrapped[3:-2])["subsonic-response"]
    marked = {a["id"]: a for g in body["indexes"]["index"] for a in g["artist"]}
    assert marked[f"ar-{bach.pk}"]["userRating"] == 3


def test_a_catalog_write_drops_the_cached_index_and_lists(subsonic, library):
    bach = library["artists"][1]
    before = subsonic.json("getIndexes")["indexes"]
    albums = [a["id"] for a in subsonic.json("getAlbumList2", {"type": "alphabeticalByName", "size": 10})["albumList2"]["album"]]
    assert f"ar-{bach.pk}" in _ids(before["index"]) and len(albums) == 3

    admin = UserFactory(username="curator", is_staff=True, is_superuser=True)
    tracks_hidden_set(actor=admin, track_ids=[t.pk for t in library["tracks"] if t.artist_id == bach.pk], hidden=True)

    after = subsonic.json("getIndexes")["indexes"]
    assert f"ar-{bach.pk}" not in _ids(after["index"])
    assert after["lastModified"] > before["lastModified"]  # the newest visible track went, the index changed
    shown = subsonic.json("getAlbumList2", {"type": "alphabeticalByName", "size": 10})["albumList2"]["album"]
    assert [a["name"] for a in shown] == ["Arrival", "Voulez-Vous"]


def test_album_list_marks_stay_live_and_personal_lists_are_not_shared(subsonic, library, listener):
    arrival = library["albums"][0]
    listed = subsonic.json("getAlbumList2", {"type": "newest", "size": 10})["albumList2"]["album"]
    assert all("starred" not in a for a in listed)
    Star.objects.create(user=listener, kind="album", item_id=arrival.pk)
    Rating.objects.create(user=listener, kind="album", item_id=arrival.pk, rating=5)
    listed = {a["id"]: a for a in subsonic.json("getAlbumList2", {"type": "newest", "size": 10})["albumList2"]["album"]}
    assert listed[f"al-{arrival.pk}"]["starred"].endswith("Z") and listed[f"al-{arrival.pk}"]["userRating"] == 5
    legacy = {a["id"]: a for a in subsonic.json("getAlbumList", {"type": "newest", "size": 10})["albumList"]["album"]}
    assert legacy[f"al-{arrival.pk}"]["userRating"] == 5 and legacy[f"al-{arrival.pk}"]["isDir"] is True
    # "highest" ranks by this user's ratings: never a shared answer
    assert [a["id"] for a in subsonic.json("getAlbumList2", {"type": "highest"})["albumList2"]["album"]] == [f"al-{arrival.pk}"]
    # a bad parameter is still refused (nothing cached from it)
    subsonic.error("getAlbumList2", {"type": "newest", "size": "many"}, code=10)


def test_an_artist_account_does_not_read_the_shared_index(subsonic, library, listener):
    from django.test import Client

    from accounts.subsonic_credentials import subsonic_credentials_create
    from catalog.models import Artist
    from tests.subsonic.conftest import Subsonic

    subsonic.json("getArtists")  # fills the shared answer
    owner = UserFactory(username="newband", role="artist")
    own = Artist.objects.create(name="New Band", user=owner)  # no ready track yet: only its owner sees it
    issued = subsonic_credentials_create(user=owner)
    band = Subsonic(client=Client(), username=owner.username, password=issued.password, api_key=issued.api_key)
    assert f"ar-{own.pk}" in _ids(band.json("getArtists")["artists"]["index"])
    assert f"ar-{own.pk}" not in _ids(subsonic.json("getArtists")["artists"]["index"])


def test_hiding_the_newest_tracks_still_counts_as_modified(subsonic, library):
    bach = library["artists"][1]
    since = subsonic.json("getIndexes")["indexes"]["lastModified"]
    admin = UserFactory(username="curator2", is_staff=True, is_superuser=True)
    tracks_hidden_set(actor=admin, track_ids=[t.pk for t in library["tracks"] if t.artist_id == bach.pk], hidden=True)
    changed = subsonic.json("getIndexes", {"ifModifiedSince": since})["indexes"]
    assert changed["index"] and f"ar-{bach.pk}" not in _ids(changed["index"])  # the client is told, not "unchanged"


def _sync(subsonic, size: int, offsets) -> list[list[str]]:
    return [[song["id"] for song in subsonic.json("search3", {"query": "", "songCount": size, "songOffset": offset,
                                                             "albumCount": 0, "artistCount": 0})["searchResult3"]["song"]]
            for offset in offsets]


def test_library_sync_pages_seek_from_the_last_page_and_match_offset_paging(subsonic, library):
    from catalog.models import Track
    from tests.factories import TrackFactory

    bach = library["artists"][1]
    Track.objects.filter(pk=library["hidden"].pk).update(processing_status="ready", hidden=True)  # hidden: never synced
    made = [TrackFactory(artist=bach, title=f"Étude {i}") for i in range(9)]
    visible = sorted([t.pk for t in library["tracks"]] + [t.pk for t in made])
    expected = [[str(pk) for pk in visible[i:i + 3]] for i in range(0, len(visible), 3)]  # 14 songs: 3, 3, 3, 3, 2

    in_order = _sync(subsonic, 3, range(0, 15, 3))  # each page seeks from the boundary the one before left
    assert in_order == expected
    assert _sync(subsonic, 3, [9, 3, 12]) == [expected[3], expected[1], expected[4]]  # asked out of order
    cache.clear()  # no boundary known: OFFSET on ids alone
    assert _sync(subsonic, 3, [6, 12, 15]) == [expected[2], expected[4], []]

    first_two = _sync(subsonic, 3, [0, 3])
    admin = UserFactory(username="curator3", is_staff=True, is_superuser=True)
    tracks_hidden_set(actor=admin, track_ids=[visible[0]], hidden=True)  # a catalog write in mid-sync
    rest = _sync(subsonic, 3, [6, 9, 12])  # the old boundaries are gone with the version: OFFSET of the new catalog
    assert first_two == expected[:2] and rest == [[str(pk) for pk in visible[1:][i:i + 3]] for i in (6, 9, 12)]
