"""Concurrent edits of one playlist: the row lock serialises them, positions stay dense."""
from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from playlists.models import Playlist, PlaylistTrack
from tests.catalog.helpers import V1, client_for
from tests.factories import PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory

# available_apps makes the flush after each test TRUNCATE ... CASCADE: etl.s3_file_registry
# (another schema, invisible to Django's flush) references tracks.
pytestmark = pytest.mark.django_db(transaction=True)  # tests/conftest.py adds available_apps


def _filled(n: int):
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner)
    tracks = [TrackFactory() for _ in range(n)]
    for i, track in enumerate(tracks):
        PlaylistTrackFactory(playlist=playlist, track=track, position=i)
    return owner, playlist, tracks


def _order(playlist) -> list[tuple[int, int]]:
    return list(PlaylistTrack.objects.filter(playlist=playlist).order_by("position").values_list("position", "track_id"))


def _in_thread(target, results: list):
    def run():
        try:
            results.append(target())
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_reorder_waits_for_the_lock_of_a_concurrent_edit_then_applies_on_its_result():
    owner, playlist, tracks = _filled(4)
    results: list = []

    with transaction.atomic():
        # given: another edit holds the playlist row and has moved entry 0 to the end
        Playlist.objects.select_for_update().get(pk=playlist.pk)
        first = PlaylistTrack.objects.get(playlist=playlist, position=0)
        PlaylistTrack.objects.filter(playlist=playlist, position__gt=0).update(position=F("position") - 1)
        first.position = 3
        first.save()
        # when: a client asks to move position 0 to 1 meanwhile
        thread = _in_thread(
            lambda: client_for(owner).post(
                f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 0, "to_position": 1}, format="json"
            ).status_code,
            results,
        )
        time.sleep(0.5)
        # then: it is still waiting for the lock
        assert thread.is_alive() and results == []
    thread.join(timeout=20)

    assert results == [200]
    # applied on top of [1, 2, 3, 0]: move position 0 (track 1) to 1 -> [2, 1, 3, 0]
    assert _order(playlist) == [(0, tracks[2].id), (1, tracks[1].id), (2, tracks[3].id), (3, tracks[0].id)]


def test_many_concurrent_reorders_and_adds_keep_positions_dense_and_lose_nothing():
    owner, playlist, tracks = _filled(8)
    extra = TrackFactory()
    results: list = []
    start = threading.Barrier(6)

    def worker(seed: int):
        def run():
            client, rng = client_for(owner), random.Random(seed)
            start.wait()
            codes = []
            for _ in range(6):
                if seed == 0:
                    codes.append(client.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": extra.id, "position": 0}, format="json").status_code)
                else:
                    src, dst = rng.randrange(8), rng.randrange(8)
                    codes.append(client.post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": src, "to_position": dst}, format="json").status_code)
            return codes
        return run

    threads = [_in_thread(worker(seed), results) for seed in range(6)]
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == sorted([[201] * 6] + [[200] * 6] * 5)
    rows = _order(playlist)
    assert [p for p, _ in rows] == list(range(14))
    assert sorted(t for _, t in rows) == sorted([t.id for t in tracks] + [extra.id] * 6)

