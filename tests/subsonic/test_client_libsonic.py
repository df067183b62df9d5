"""A real third-party Subsonic client from PyPI (py-sonic, `import libsonic`) against a live server."""
from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import av
import pytest

from accounts.subsonic_credentials import subsonic_credentials_create
from analytics.models import ListeningHistory
from playlists.models import Favorite
from tests.factories import AlbumFactory, ArtistFactory, UserFactory

from .media_helpers import stored_track

pytestmark = pytest.mark.django_db(transaction=True)


def _connection(live_server, username, password, **options):
    import libsonic

    url = urlsplit(live_server.url)
    return libsonic.Connection(f"{url.scheme}://{url.hostname}", username, password, port=url.port,
                               appName="py-sonic-test", **options)


# py-sonic 1.2.0's useGET=True is broken in the library itself (it calls urllib2): both runs POST the form.
@pytest.mark.parametrize("options", [{}, {"legacyAuth": True}], ids=["token", "enc-password"])
def test_py_sonic_connects_browses_searches_plays_and_scrobbles(live_server, options):
    # given a listener with Subsonic credentials and an album of real audio
    user = UserFactory(username="mobile")
    password = subsonic_credentials_create(user=user).password
    album = AlbumFactory(artist=ArtistFactory(name="Kraftwerk"), title="Computer World")
    first = stored_track(title="Pocket Calculator", album=album, track_number=1)
    second = stored_track(title="Numbers", album=album, track_number=2)
    conn = _connection(live_server, "mobile", password, **options)

    # connect
    assert conn.ping() is True
    # browse
    index = conn.getArtists()["artists"]["index"]
    assert [a["name"] for group in index for a in group["artist"]] == ["Kraftwerk"]
    albums = conn.getAlbumList2("alphabeticalByName")["albumList2"]["album"]
    assert [a["name"] for a in albums] == ["Computer World"]
    songs = conn.getAlbum(albums[0]["id"])["album"]["song"]
    assert [s["title"] for s in songs] == ["Pocket Calculator", "Numbers"]
    # search
    found = conn.search3("numbers")["searchResult3"]
    assert [s["id"] for s in found["song"]] == [str(second.pk)]
    everything = conn.search3("", songCount=10)["searchResult3"]
    assert {s["id"] for s in everything["song"]} == {str(first.pk), str(second.pk)}
    # playlist round trip
    created = conn.createPlaylist(name="Robots", songIds=[str(first.pk), str(second.pk)])["playlist"]
    listed = conn.getPlaylists()["playlists"]["playlist"]
    assert [p["name"] for p in listed] == ["Robots"]
    assert [e["title"] for e in conn.getPlaylist(created["id"])["playlist"]["entry"]] == ["Pocket Calculator", "Numbers"]
    conn.createPlaylist(playlistId=created["id"], songIds=[str(second.pk)])
    assert [e["id"] for e in conn.getPlaylist(created["id"])["playlist"]["entry"]] == [str(second.pk)]
    conn.deletePlaylist(created["id"])
    assert conn.getPlaylists()["playlists"]["playlist"] == []
    # star
    conn.star(sids=[str(first.pk)])
    assert Favorite.objects.filter(user=user, track=first).exists()
    assert [s["id"] for s in conn.getStarred2()["starred2"]["song"]] == [str(first.pk)]
    # stream (the original, then a 64 kbps transcode), decoded as audio
    original = conn.stream(str(first.pk)).read()
    assert len(original) == first.file_size
    with av.open(io.BytesIO(original)) as container:
        assert sum(f.samples for f in container.decode(audio=0)) > 0
    # scrobble: one listen, as the REST API records it
    conn.scrobble(str(first.pk), submission=True, listenTime=int(time.time()) - 60)
    assert ListeningHistory.objects.filter(user=user, track=first, platform="subsonic").count() == 1


def test_py_sonic_sees_errors_as_exceptions(live_server):
    import libsonic
    from libsonic.errors import CredentialError, DataNotFoundError

    user = UserFactory(username="wrong")
    subsonic_credentials_create(user=user)
    with pytest.raises(CredentialError):
        _connection(live_server, "wrong", "not-it").getSong("1")
    password = subsonic_credentials_create(user=user).password
    with pytest.raises(DataNotFoundError):
        _connection(live_server, "wrong", password).getSong("987654")
    assert libsonic  # the package imported is the PyPI client
