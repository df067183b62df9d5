"""Search index upkeep from the services: one task per committed transaction, ids only; nothing on PostgreSQL."""
from __future__ import annotations

import pytest
from django.db import transaction

from catalog import services as catalog_services
from playlists import services as playlist_services
from search.services import IndexBatch, search_index_changes, search_index_enqueue
from search.tasks import index_changes_task
from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def _batches(callbacks) -> list[IndexBatch]:
    return [c for c in callbacks if isinstance(c, IndexBatch)]


@pytest.fixture
def elasticsearch(settings):
    """The Elasticsearch backend is chosen; nothing here talks to a server (callbacks are not run)."""
    settings.SEARCH_BACKEND = "elasticsearch"


def test_one_transaction_of_edits_becomes_one_batch_of_ids(elasticsearch, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    artist = ArtistFactory()
    album, other_album = AlbumFactory(artist=artist), AlbumFactory(artist=artist)
    track = TrackFactory(artist=artist, album=album)
    playlist = PlaylistFactory(owner=admin, is_public=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            catalog_services.track_update(actor=admin, track=track, title="Renamed", album_id=other_album.pk)
            playlist_services.playlist_update(actor=admin, playlist_id=playlist.pk, is_public=False)
            playlist_services.playlist_track_add(actor=admin, playlist_id=playlist.pk, track_id=track.pk)

    batches = _batches(callbacks)
    assert len(batches) == 1
    assert batches[0].payload() == {
        "track": [track.pk], "artist": [artist.pk], "album": sorted([album.pk, other_album.pk]), "playlist": [playlist.pk],
    }


def test_a_deleted_track_is_sent_so_that_it_leaves_the_index(elasticsearch, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    track = TrackFactory(album=None)
    playlist = PlaylistTrackFactory(playlist__owner=admin, track=track).playlist
    track_id = track.pk
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            catalog_services.track_delete(actor=admin, track=track)
    (batch,) = _batches(callbacks)
    assert batch.payload() == {"track": [track_id], "artist": [track.artist_id], "playlist": [playlist.pk]}


def test_renaming_an_artist_sends_the_documents_that_carry_the_name(elasticsearch, django_capture_on_commit_callbacks):
    admin = AdminFactory()
    artist = ArtistFactory()
    album = AlbumFactory(artist=artist)
    tracks = [TrackFactory(artist=artist, album=album), TrackFactory(artist=artist)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        catalog_services.artist_update(actor=admin, artist=artist, name="New Name")
    (batch,) = _batches(callbacks)
    assert batch.payload() == {"artist": [artist.pk], "album": [album.pk], "track": sorted(t.pk for t in tracks)}


def test_a_rolled_back_savepoint_sends_nothing_and_a_later_change_opens_a_new_batch(
    elasticsearch, django_capture_on_commit_callbacks,
):
    owner = UserFactory()
    kept, dropped = PlaylistFactory(owner=owner), PlaylistFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            playlist_services.playlist_update(actor=owner, playlist_id=dropped.pk, title="Gone")
            raise RuntimeError("rolled back")
        playlist_services.playlist_update(actor=owner, playlist_id=kept.pk, title="Kept")
    (batch,) = _batches(callbacks)
    assert batch.payload() == {"playlist": [kept.pk]}


def test_postgres_enqueues_nothing_and_the_task_is_a_no_op(settings, django_capture_on_commit_callbacks):
    settings.SEARCH_BACKEND = "postgres"
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner, is_public=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        playlist_services.playlist_update(actor=owner, playlist_id=playlist.pk, is_public=False)
        search_index_enqueue(entity="track", ids=[1, 2])
    assert _batches(callbacks) == []
    assert index_changes_task({"playlist": [playlist.pk], "track": [1, 2]}) == 0
    assert search_index_changes(changes={}) == 0


def test_unknown_entities_are_refused(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    with pytest.raises(ValueError, match="Unknown search entity"):
        search_index_enqueue(entity="genre", ids=[1])
    settings.SEARCH_BACKEND = "postgres"
    with pytest.raises(ValueError, match="Unknown search entity"):
        search_index_changes(changes={"genre": [1]})


@pytest.mark.slow
def test_the_index_task_runs_in_a_real_worker(celery_worker_process):
    # On PostgreSQL the task has nothing to send (and so needs no committed row).
    assert index_changes_task.delay({"track": [1, 2, 3], "playlist": [4]}).get(timeout=60) == 0
