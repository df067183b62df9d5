"""Processing an upload makes the cached catalog answers current at once (no stale album for minutes)."""
from __future__ import annotations

import pytest

from catalog.models import Album, Artist
from etl.models import TrackUpload
from etl.services import upload_process
from tests.audio import make_audio
from tests.factories import AlbumFactory, ArtistFactory, ArtistUserFactory, TrackFactory
from tests.storage.conftest import local_storage  # noqa: F401 - a fixture
from tests.storage.helpers import post_upload

from .helpers import V1, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    user = ArtistUserFactory()
    ArtistFactory(user=user, name="Cache Artist")
    return user


def test_an_uploaded_track_shows_in_the_cached_album_and_artist_answers_at_once(
        local_storage, owner, django_capture_on_commit_callbacks):
    album = AlbumFactory(artist=owner.artist_profile, title="Spring")
    # A ready track first: an album or artist with nothing playable is not public (visible_to).
    TrackFactory(artist=owner.artist_profile, album=album, title="First Light")
    album_url, artist_url = f"{V1}/albums/{album.pk}", f"{V1}/artists/{album.artist_id}"
    cached_album, cached_artist = client_for().get(album_url).json(), client_for().get(artist_url).json()
    assert "Jonquil Dawn" not in str(cached_album)
    assert client_for().get(album_url).json() == cached_album and client_for().get(artist_url).json() == cached_artist

    data = make_audio("mp3", duration_s=1, tags={"title": "Jonquil Dawn", "album": "Spring", "artist": "x"})
    response = post_upload(client_for(owner), data)
    assert response.status_code == 202, response.content
    with django_capture_on_commit_callbacks(execute=True):
        upload_process(upload_id=TrackUpload.objects.get().pk)

    assert Album.objects.get(pk=album.pk).tracks.filter(title="Jonquil Dawn").count() == 1
    assert "Jonquil Dawn" in str(client_for().get(album_url).json())
    assert cached_artist["track_count"] == 1 and client_for().get(artist_url).json()["track_count"] == 2
    assert Artist.objects.count() == 1
