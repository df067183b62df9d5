"""Catalog writes write only what they change: a PATCH never overwrites a column written meanwhile."""
from __future__ import annotations

import pytest

from catalog.models import Album, Artist, Track
from catalog.services import album_update, artist_update, track_update
from tests.factories import AlbumFactory, ArtistFactory, ArtistUserFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    user = ArtistUserFactory()
    ArtistFactory(user=user, name="Owner")
    return user


def test_a_track_update_keeps_the_popularity_written_after_the_track_was_loaded(owner):
    track = TrackFactory(artist=owner.artist_profile, title="Old", popularity=1.0)
    album, genre = AlbumFactory(artist=owner.artist_profile), GenreFactory()
    loaded = Track.objects.get(pk=track.pk)  # what the PATCH view loads
    Track.objects.filter(pk=track.pk).update(popularity=42.5, processing_error="set by the pipeline")  # the aggregates step

    track_update(actor=owner, track=loaded, title="New", tempo=120.0, album_id=album.pk, genre_id=genre.pk)

    stored = Track.objects.get(pk=track.pk)
    assert (stored.title, stored.tempo, stored.album_id, stored.genre_id) == ("New", 120.0, album.pk, genre.pk)
    assert stored.popularity == 42.5 and stored.processing_error == "set by the pipeline"
    assert stored.updated_at > track.updated_at


def test_an_update_that_changes_nothing_writes_nothing(owner):
    track = TrackFactory(artist=owner.artist_profile, title="Same", album=None)
    loaded = Track.objects.get(pk=track.pk)

    track_update(actor=owner, track=loaded, title="Same", album_id=None)

    assert Track.objects.get(pk=track.pk).updated_at == track.updated_at


def test_artist_and_album_updates_write_only_their_changed_columns(owner):
    artist = Artist.objects.get(pk=owner.artist_profile.pk)
    album = AlbumFactory(artist=artist, title="Before")
    loaded_artist, loaded_album = Artist.objects.get(pk=artist.pk), Album.objects.get(pk=album.pk)
    Artist.objects.filter(pk=artist.pk).update(bio="written meanwhile")
    Album.objects.filter(pk=album.pk).update(release_date="2020-01-01")

    artist_update(actor=owner, artist=loaded_artist, name="Renamed")
    album_update(actor=owner, album=loaded_album, title="After")

    assert Artist.objects.values_list("name", "bio").get(pk=artist.pk) == ("Renamed", "written meanwhile")
    assert Album.objects.values_list("title", "release_date__year").get(pk=album.pk) == ("After", 2020)
