"""Positions stay 0..n-1 whatever removes entries: artist, track, queryset, playlist or user deletions."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from catalog.models import Artist, Track
from playlists.models import Playlist, PlaylistTrack
from playlists.services import playlist_track_move
from tests.catalog.helpers import V1, client_for
from tests.factories import AlbumFactory, ArtistFactory, PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory
from tests.playlists.test_playlists_api import assert_dense


@pytest.fixture
def two_artists(db):
    """A playlist alternating the tracks of two artists: A0 B0 A1 B1 A2 B2 (and a second playlist)."""
    owner = UserFactory()
    first, second = ArtistFactory(name="First"), ArtistFactory(name="Second")
    album = AlbumFactory(artist=first)
    tracks = {artist: [TrackFactory(artist=artist, album=album if artist == first else None) for _ in range(3)]
              for artist in (first, second)}
    playlist, other = PlaylistFactory(owner=owner), PlaylistFactory(owner=owner)
    order = [t for pair in zip(tracks[first], tracks[second], strict=True) for t in pair]
    for i, track in enumerate(order):
        PlaylistTrackFactory(playlist=playlist, track=track, position=i)
    for i, track in enumerate(reversed(order)):
        PlaylistTrackFactory(playlist=other, track=track, position=i)
    return owner, first, second, playlist, other, tracks


@pytest.mark.django_db
def test_deleting_an_artist_keeps_positions_dense_and_moving_works(two_artists):
    owner, first, second, playlist, other, tracks = two_artists

    first.delete()  # cascades: album and tracks, their playlist entries

    assert assert_dense(playlist) == [t.id for t in tracks[second]]
    assert assert_dense(other) == [t.id for t in reversed(tracks[second])]
    response = client_for(owner).post(f"{V1}/playlists/{playlist.id}/reorder/",
                                      {"from_position": 2, "to_position": 0}, format="json")
    assert response.status_code == 200
    assert assert_dense(playlist) == [tracks[second][2].id, tracks[second][0].id, tracks[second][1].id]


@pytest.mark.django_db
def test_deleting_tracks_by_queryset_or_one_by_one_keeps_positions_dense(two_artists):
    owner, first, second, playlist, other, tracks = two_artists

    Track.objects.filter(pk__in=[tracks[first][0].pk, tracks[second][1].pk]).delete()  # an admin bulk action
    assert assert_dense(playlist) == [tracks[second][0].id, tracks[first][1].id, tracks[first][2].id,
                                      tracks[second][2].id]
    tracks[first][2].delete()
    assert assert_dense(playlist) == [tracks[second][0].id, tracks[first][1].id, tracks[second][2].id]
    assert assert_dense(other) == [tracks[second][2].id, tracks[first][1].id, tracks[second][0].id]


@pytest.mark.django_db
def test_deleting_entries_directly_or_a_users_playlists_keeps_the_rest_dense(two_artists):
    owner, first, second, playlist, other, tracks = two_artists

    PlaylistTrack.objects.filter(playlist=playlist, position__in=[0, 3]).delete()
    assert assert_dense(playlist) == [tracks[second][0].id, tracks[first][1].id, tracks[first][2].id,
                                      tracks[second][2].id]

    listener = UserFactory()
    theirs = PlaylistFactory(owner=listener)
    PlaylistTrackFactory(playlist=theirs, track=tracks[first][0], position=0)
    listener.delete()
    assert not Playlist.objects.filter(pk=theirs.pk).exists()
    assert assert_dense(other) and assert_dense(playlist)


@pytest.mark.django_db(transaction=True)
def test_an_artist_deletion_waits_for_a_concurrent_move_and_both_apply(two_artists):
    owner, first, second, playlist, other, tracks = two_artists
    moved, errors = threading.Event(), []

    def move_and_hold():
        try:
            with transaction.atomic():
                playlist_track_move(actor=owner, playlist_id=playlist.pk, from_position=5, to_position=0)
                moved.set()
                threading.Event().wait(0.5)  # hold the playlist lock while the deletion starts
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            moved.set()
        finally:
            connection.close()

    mover = threading.Thread(target=move_and_hold)
    mover.start()
    moved.wait(10)
    Artist.objects.get(pk=first.pk).delete()
    mover.join(10)

    assert errors == []
    # B2 moved to the front first; then the deletion removed A0 A1 A2 and closed the gaps
    assert assert_dense(playlist) == [tracks[second][2].id, tracks[second][0].id, tracks[second][1].id]
