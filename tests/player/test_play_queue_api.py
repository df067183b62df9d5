"""The server-side play queue: one per user, replaced whole, pointer moved cheaply, bad input loses nothing."""
from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from rest_framework.test import APIClient

from catalog.models import ProcessingStatus
from playlists.models import PlayQueue, PlayQueueEntry
from playlists.services import MAX_PLAY_QUEUE_ENTRIES
from tests.catalog.helpers import HUGE_ID, V1, assert_error, client_for
from tests.factories import TEST_PASSWORD, AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = f"{V1}/me/play-queue"


def test_an_empty_queue_before_the_first_save_and_anonymous_is_401():
    assert client_for(UserFactory()).get(URL).json() == {
        "track_ids": [], "current_index": 0, "position_ms": 0, "changed_at": None, "changed_by": ""}
    assert_error(client_for().get(URL), 401)
    assert_error(client_for().put(URL, {"track_ids": []}, format="json"), 401)


def test_save_replaces_the_queue_in_order_with_repeats_and_get_returns_it():
    user = UserFactory()
    a, b, c = TrackFactory(), TrackFactory(), TrackFactory()
    client = client_for(user)

    saved = client.put(URL, {"track_ids": [b.id, a.id, b.id, c.id], "current_index": 2, "position_ms": 61_500,
                             "client": "web"}, format="json")
    assert saved.status_code == 200, saved.content
    body = client.get(URL + "/").json()
    assert body["track_ids"] == [b.id, a.id, b.id, c.id]
    assert (body["current_index"], body["position_ms"], body["changed_by"]) == (2, 61_500, "web")
    assert body["changed_at"]

    client.put(URL, {"track_ids": [c.id]}, format="json")
    assert client.get(URL).json()["track_ids"] == [c.id]
    assert PlayQueueEntry.objects.count() == 1 and PlayQueue.objects.count() == 1


def test_patch_moves_only_the_pointer_and_keeps_the_entries():
    user = UserFactory()
    tracks = [TrackFactory() for _ in range(3)]
    client = client_for(user)
    client.put(URL, {"track_ids": [t.id for t in tracks]}, format="json")

    moved = client.patch(URL, {"current_index": 1, "position_ms": 4_200, "client": "phone"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["track_ids"] == [t.id for t in tracks]
    assert (moved.json()["current_index"], moved.json()["position_ms"], moved.json()["changed_by"]) == (1, 4_200, "phone")


def test_bad_input_is_a_clear_error_and_the_saved_queue_is_untouched():
    user = UserFactory()
    a, b = TrackFactory(), TrackFactory()
    hidden = TrackFactory(processing_status=ProcessingStatus.FAILED)
    client = client_for(user)
    client.put(URL, {"track_ids": [a.id, b.id], "current_index": 1, "position_ms": 5_000}, format="json")

    body = assert_error(client.put(URL, {"track_ids": [a.id, hidden.id, 987_654]}, format="json"), 400,
                        fields={"track_ids"})
    assert str(hidden.id) in str(body) and "987654" in str(body)
    assert_error(client.put(URL, {"track_ids": [a.id], "current_index": 1}, format="json"), 400, fields={"current_index"})
    assert_error(client.put(URL, {"track_ids": [a.id, "x"]}, format="json"), 400, fields={"track_ids"})
    assert_error(client.put(URL, {"track_ids": [HUGE_ID]}, format="json"), 400, fields={"track_ids"})
    assert_error(client.put(URL, {"track_ids": "nope"}, format="json"), 400, fields={"track_ids"})
    assert_error(client.put(URL, {"track_ids": [a.id] * (MAX_PLAY_QUEUE_ENTRIES + 1)}, format="json"), 400,
                 fields={"track_ids"})
    assert_error(client.put(URL, {}, format="json"), 400, fields={"track_ids"})
    assert_error(client.patch(URL, {"current_index": 2, "position_ms": 0}, format="json"), 400, fields={"current_index"})
    assert_error(client.patch(URL, {"current_index": 0, "position_ms": -1}, format="json"), 400, fields={"position_ms"})

    body = client.get(URL).json()
    assert (body["track_ids"], body["current_index"], body["position_ms"]) == ([a.id, b.id], 1, 5_000)


def test_queues_are_per_user_and_delete_empties_mine_only():
    me, other = UserFactory(), UserFactory()
    track = TrackFactory()
    client_for(other).put(URL, {"track_ids": [track.id]}, format="json")
    mine = client_for(me)
    mine.put(URL, {"track_ids": [track.id, track.id]}, format="json")

    assert mine.delete(URL).json()["track_ids"] == []
    assert client_for(other).get(URL).json()["track_ids"] == [track.id]


def test_tracks_that_became_unplayable_drop_out_and_the_current_one_stays_current():
    user = UserFactory()
    a, b, c, d = (TrackFactory() for _ in range(4))
    client = client_for(user)
    client.put(URL, {"track_ids": [a.id, b.id, c.id, d.id], "current_index": 2, "position_ms": 9_000}, format="json")

    b.processing_status = ProcessingStatus.FAILED
    b.save()
    body = client.get(URL).json()
    assert body["track_ids"] == [a.id, c.id, d.id]
    assert (body["current_index"], body["position_ms"]) == (1, 9_000)  # still c, at the same offset

    d.delete()
    client.patch(URL, {"current_index": 1, "position_ms": 100}, format="json")
    assert client.get(URL).json()["current_index"] == 1

    c.delete()  # the current entry itself is gone: the next one becomes current, from its start
    body = client.get(URL).json()
    assert body["track_ids"] == [a.id] and (body["current_index"], body["position_ms"]) == (0, 0)


def test_a_beacon_post_with_the_session_and_csrf_token_saves_and_without_token_is_refused():
    user = UserFactory()
    a, b = TrackFactory(), TrackFactory()
    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username=user.username, password=TEST_PASSWORD)
    token = _mask_cipher_secret(_get_new_csrf_string())
    browser.cookies["csrftoken"] = token

    refused = browser.post(URL, {"track_ids": f"{a.id},{b.id}"})  # form-encoded, no token
    assert_error(refused, 403)
    assert not PlayQueueEntry.objects.exists()

    saved = browser.post(URL, {"track_ids": f"{a.id},{b.id}", "current_index": "1", "position_ms": "1500",
                               "csrfmiddlewaretoken": token})
    assert saved.status_code == 200, saved.content
    moved = browser.post(URL, {"current_index": "0", "position_ms": "777", "csrfmiddlewaretoken": token})
    assert (moved.json()["track_ids"], moved.json()["current_index"], moved.json()["position_ms"]) == ([a.id, b.id], 0, 777)
    cleared = browser.post(URL, {"track_ids": "", "csrfmiddlewaretoken": token})
    assert cleared.json()["track_ids"] == []


def test_a_queue_of_five_thousand_entries_saves_and_reads_back(django_assert_max_num_queries):
    user = UserFactory()
    tracks = [TrackFactory() for _ in range(50)]
    queue = [tracks[i % 50].id for i in range(5_000)]
    client = client_for(user)
    assert client.put(URL, {"track_ids": queue, "current_index": 4_999}, format="json").status_code == 200
    with django_assert_max_num_queries(6):
        body = client.get(URL).json()
    assert body["track_ids"] == queue and body["current_index"] == 4_999


def test_queue_tracks_gives_what_the_player_shows_for_visible_tracks_only():
    user = UserFactory()
    album = AlbumFactory()
    a, b = TrackFactory(album=album, artist=album.artist), TrackFactory()
    hidden = TrackFactory(processing_status=ProcessingStatus.FAILED)
    rows = client_for(user).get(f"{URL}/tracks", {"ids": f"{b.id},{a.id},{hidden.id},{a.id}"}).json()
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {a.id, b.id}
    assert by_id[a.id] == {"id": a.id, "title": a.title, "duration_ms": a.duration_ms, "artist_id": a.artist_id,
                           "artist_name": a.artist.name, "display_artist": a.artist.name, "album_id": a.album_id,
                           "album_title": a.album.title}
    assert by_id[b.id]["album_id"] is None
    assert_error(client_for(user).get(f"{URL}/tracks", {"ids": ",".join(["1"] * 501)}), 400, fields={"ids"})
    assert_error(client_for(user).get(f"{URL}/tracks", {"ids": "1,a"}), 400, fields={"ids"})
    assert_error(client_for().get(f"{URL}/tracks", {"ids": "1"}), 401)
