"""Playlists over HTTP: owner CRUD, privacy, entries with dense positions."""
from __future__ import annotations

import random

import pytest

from catalog.models import ProcessingStatus
from playlists.models import Playlist, PlaylistTrack
from tests.catalog.helpers import EMOJI_TITLE, HUGE_ID, SQL_LIKE, V1, assert_error, client_for, ids
from tests.factories import (
    AdminFactory,
    AlbumFactory,
    ArtistFactory,
    ArtistUserFactory,
    PlaylistFactory,
    PlaylistTrackFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def positions(playlist) -> list[tuple[int, int]]:
    return list(PlaylistTrack.objects.filter(playlist=playlist).order_by("position").values_list("position", "track_id"))


def assert_dense(playlist) -> list[int]:
    """Positions are exactly 0..n-1; return the track ids in order."""
    rows = positions(playlist)
    assert [p for p, _ in rows] == list(range(len(rows))), rows
    return [t for _, t in rows]


def filled(owner, n: int, **kwargs) -> tuple[Playlist, list]:
    playlist = PlaylistFactory(owner=owner, **kwargs)
    tracks = [TrackFactory(duration_ms=1000 * (i + 1)) for i in range(n)]
    for i, track in enumerate(tracks):
        PlaylistTrackFactory(playlist=playlist, track=track, position=i)
    return playlist, tracks


# --- CRUD and privacy ---------------------------------------------------------------------

def test_owner_creates_reads_updates_and_deletes_a_playlist():
    owner = UserFactory()
    client = client_for(owner)

    response = client.post(f"{V1}/playlists", {"title": EMOJI_TITLE, "description": SQL_LIKE}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == EMOJI_TITLE and body["is_public"] is False and body["track_count"] == 0
    assert body["owner"] == {"id": owner.id, "username": owner.username}
    pid = body["id"]

    assert client.get(f"{V1}/playlists/{pid}/").json()["description"] == SQL_LIKE
    assert client.patch(f"{V1}/playlists/{pid}", {"is_public": True}, format="json").json()["is_public"] is True
    response = client.put(f"{V1}/playlists/{pid}/", {"title": "Put"}, format="json")
    assert response.json()["is_public"] is False and response.json()["description"] == ""
    assert client.delete(f"{V1}/playlists/{pid}").status_code == 204
    assert not Playlist.objects.exists()


def test_private_playlist_is_invisible_to_others_everywhere():
    playlist, _ = filled(UserFactory(), 2)
    PlaylistTrack.objects.count()
    for client in (client_for(), client_for(UserFactory()), client_for(ArtistUserFactory())):
        assert_error(client.get(f"{V1}/playlists/{playlist.id}"), 404, "not_found")
        assert_error(client.get(f"{V1}/playlists/{playlist.id}/tracks"), 404)
        assert playlist.id not in ids(client.get(f"{V1}/playlists/"))
    stranger = client_for(UserFactory())
    track = TrackFactory()
    assert_error(stranger.patch(f"{V1}/playlists/{playlist.id}", {"title": "mine"}, format="json"), 404)
    assert_error(stranger.delete(f"{V1}/playlists/{playlist.id}"), 404)
    assert_error(stranger.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": track.id}, format="json"), 404)
    assert_error(stranger.delete(f"{V1}/playlists/{playlist.id}/tracks/0"), 404)
    assert_error(stranger.post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 0, "to_position": 1}, format="json"), 404)
    playlist.refresh_from_db()
    assert playlist.title != "mine" and len(assert_dense(playlist)) == 2


def test_public_playlist_is_readable_by_anyone_but_writable_only_by_its_owner():
    playlist, tracks = filled(UserFactory(), 3, is_public=True, title="Shared")
    anonymous, stranger = client_for(), client_for(UserFactory())

    assert anonymous.get(f"{V1}/playlists/{playlist.id}").json()["track_count"] == 3
    entries = anonymous.get(f"{V1}/playlists/{playlist.id}/tracks/").json()["results"]
    assert [(e["position"], e["track"]["id"]) for e in entries] == [(i, t.id) for i, t in enumerate(tracks)]

    assert_error(stranger.patch(f"{V1}/playlists/{playlist.id}", {"title": "x"}, format="json"), 403)
    assert_error(stranger.delete(f"{V1}/playlists/{playlist.id}"), 403)
    assert_error(stranger.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": tracks[0].id}, format="json"), 403)
    assert_error(stranger.delete(f"{V1}/playlists/{playlist.id}/tracks/0"), 403)
    assert_error(stranger.post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 0, "to_position": 2}, format="json"), 403)
    assert_error(anonymous.delete(f"{V1}/playlists/{playlist.id}"), 401)
    playlist.refresh_from_db()
    assert playlist.title == "Shared" and assert_dense(playlist) == [t.id for t in tracks]


def test_admin_may_moderate_any_playlist():
    playlist, _ = filled(UserFactory(), 1)
    admin = client_for(AdminFactory())
    assert admin.get(f"{V1}/playlists/{playlist.id}").status_code == 200
    assert admin.delete(f"{V1}/playlists/{playlist.id}").status_code == 204


def test_list_shows_public_and_own_playlists_and_owner_filter():
    me, other = UserFactory(), UserFactory()
    mine_private = PlaylistFactory(owner=me)
    theirs_public = PlaylistFactory(owner=other, is_public=True)
    PlaylistFactory(owner=other)
    client = client_for(me)

    assert set(ids(client.get(f"{V1}/playlists/"))) == {mine_private.id, theirs_public.id}
    assert ids(client.get(f"{V1}/playlists/?owner=me")) == [mine_private.id]
    assert ids(client.get(f"{V1}/playlists/?owner={other.id}")) == [theirs_public.id]
    assert ids(client_for().get(f"{V1}/playlists")) == [theirs_public.id]
    assert_error(client_for().get(f"{V1}/playlists?owner=me"), 401)
    assert_error(client.get(f"{V1}/playlists?owner=somebody"), 400, "invalid", {"owner"})
    assert_error(client.get(f"{V1}/playlists?owner={HUGE_ID}"), 400, "invalid", {"owner"})


@pytest.mark.parametrize("payload, field", [
    ({}, "title"), ({"title": ""}, "title"), ({"title": "t" * 256}, "title"),
    ({"title": "x", "is_public": "perhaps"}, "is_public"), ({"title": "x", "description": "d" * 5001}, "description"),
    ({"title": ["x"]}, "title"),
])
def test_bad_playlist_input_is_400(payload, field):
    assert_error(client_for(UserFactory()).post(f"{V1}/playlists/", payload, format="json"), 400, "invalid", {field})
    assert not Playlist.objects.exists()


def test_anonymous_cannot_create():
    assert_error(client_for().post(f"{V1}/playlists/", {"title": "x"}, format="json"), 401)


# --- entries ------------------------------------------------------------------------------

def test_add_appends_by_default_and_inserts_at_a_position():
    owner = UserFactory()
    playlist, tracks = filled(owner, 2)
    new, first = TrackFactory(), TrackFactory()
    client = client_for(owner)

    response = client.post(f"{V1}/playlists/{playlist.id}/tracks/", {"track_id": new.id}, format="json")
    assert response.status_code == 201 and response.json()["position"] == 2
    response = client.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": first.id, "position": 0}, format="json")
    assert response.json()["position"] == 0 and response.json()["track"]["id"] == first.id
    client.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": new.id, "position": 4}, format="json")

    assert assert_dense(playlist) == [first.id, tracks[0].id, tracks[1].id, new.id, new.id]
    assert client.get(f"{V1}/playlists/{playlist.id}").json()["duration_ms"] == 1000 + 2000 + 3 * 180_000


@pytest.mark.parametrize("payload, field", [
    ({}, "track_id"), ({"track_id": "abc"}, "track_id"), ({"track_id": 987654}, "track_id"),
    ({"track_id": HUGE_ID}, "track_id"), ({"track_id": -1}, "track_id"),
    ({"track_id": "{track}", "position": 3}, "position"), ({"track_id": "{track}", "position": -1}, "position"),
    ({"track_id": "{track}", "position": "end"}, "position"),
])
def test_bad_add_is_400_and_positions_are_untouched(payload, field):
    owner = UserFactory()
    playlist, tracks = filled(owner, 2)
    payload = {k: (tracks[0].id if v == "{track}" else v) for k, v in payload.items()}

    response = client_for(owner).post(f"{V1}/playlists/{playlist.id}/tracks", payload, format="json")

    assert_error(response, 400, "invalid", {field})
    assert assert_dense(playlist) == [t.id for t in tracks]


def test_cannot_add_a_track_the_owner_cannot_see():
    owner = UserFactory()
    playlist, _ = filled(owner, 1)
    hidden = TrackFactory(processing_status=ProcessingStatus.PENDING)
    response = client_for(owner).post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": hidden.id}, format="json")
    assert_error(response, 400, "invalid", {"track_id"})
    assert len(assert_dense(playlist)) == 1


def test_unfinished_tracks_of_an_artist_owner_are_hidden_from_other_viewers():
    artist_user = ArtistUserFactory()
    draft = TrackFactory(artist=ArtistFactory(user=artist_user), processing_status=ProcessingStatus.PENDING)
    playlist, tracks = filled(artist_user, 1, is_public=True)
    client_for(artist_user).post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": draft.id}, format="json")

    seen_by_owner = client_for(artist_user).get(f"{V1}/playlists/{playlist.id}/tracks").json()["results"]
    seen_by_others = client_for().get(f"{V1}/playlists/{playlist.id}/tracks").json()["results"]
    assert [e["track"]["id"] for e in seen_by_owner] == [tracks[0].id, draft.id]
    assert [e["track"]["id"] for e in seen_by_others] == [tracks[0].id]


def test_remove_closes_the_gap():
    owner = UserFactory()
    playlist, tracks = filled(owner, 4)
    client = client_for(owner)

    assert client.delete(f"{V1}/playlists/{playlist.id}/tracks/1").status_code == 204
    assert assert_dense(playlist) == [tracks[0].id, tracks[2].id, tracks[3].id]
    assert client.delete(f"{V1}/playlists/{playlist.id}/tracks/2/").status_code == 204
    assert assert_dense(playlist) == [tracks[0].id, tracks[2].id]
    assert_error(client.delete(f"{V1}/playlists/{playlist.id}/tracks/2"), 400, "invalid", {"position"})
    assert_error(client.delete(f"{V1}/playlists/{playlist.id}/tracks/-1"), 404)
    assert_error(client.delete(f"{V1}/playlists/{playlist.id}/tracks/{HUGE_ID}"), 404)
    assert assert_dense(playlist) == [tracks[0].id, tracks[2].id]


@pytest.mark.parametrize("src, dst, order", [
    (0, 3, [1, 2, 3, 0]), (3, 0, [3, 0, 1, 2]), (1, 2, [0, 2, 1, 3]), (2, 2, [0, 1, 2, 3]),
])
def test_reorder_moves_one_entry(src, dst, order):
    owner = UserFactory()
    playlist, tracks = filled(owner, 4)

    response = client_for(owner).post(
        f"{V1}/playlists/{playlist.id}/reorder/", {"from_position": src, "to_position": dst}, format="json"
    )

    assert response.status_code == 200 and response.json()["position"] == dst
    assert response.json()["track"]["id"] == tracks[src].id
    assert assert_dense(playlist) == [tracks[i].id for i in order]


@pytest.mark.parametrize("payload, field", [
    ({"from_position": 0}, "to_position"), ({"from_position": 4, "to_position": 0}, "from_position"),
    ({"from_position": 0, "to_position": 4}, "to_position"), ({"from_position": "x", "to_position": 0}, "from_position"),
    ({"from_position": 0, "to_position": -2}, "to_position"), ({"from_position": 0, "to_position": 10**12}, "to_position"),
])
def test_bad_reorder_is_400_and_changes_nothing(payload, field):
    owner = UserFactory()
    playlist, tracks = filled(owner, 4)
    response = client_for(owner).post(f"{V1}/playlists/{playlist.id}/reorder", payload, format="json")
    assert_error(response, 400, "invalid", {field})
    assert assert_dense(playlist) == [t.id for t in tracks]


def test_reorder_of_an_empty_playlist_is_400():
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner)
    response = client_for(owner).post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 0, "to_position": 0}, format="json")
    assert_error(response, 400)


def test_random_adds_removes_and_moves_keep_positions_dense_and_match_a_list_model():
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner)
    pool = [TrackFactory() for _ in range(5)]
    client, model, rng = client_for(owner), [], random.Random(4)
    url = f"{V1}/playlists/{playlist.id}"

    for _ in range(60):
        op = rng.choice(["add", "add", "remove", "move"]) if model else "add"
        if op == "add":
            track, pos = rng.choice(pool), rng.choice([None, rng.randint(0, len(model))])
            payload = {"track_id": track.id} if pos is None else {"track_id": track.id, "position": pos}
            assert client.post(f"{url}/tracks", payload, format="json").status_code == 201
            model.insert(len(model) if pos is None else pos, track.id)
        elif op == "remove":
            pos = rng.randrange(len(model))
            assert client.delete(f"{url}/tracks/{pos}").status_code == 204
            model.pop(pos)
        else:
            src, dst = rng.randrange(len(model)), rng.randrange(len(model))
            assert client.post(f"{url}/reorder", {"from_position": src, "to_position": dst}, format="json").status_code == 200
            model.insert(dst, model.pop(src))
        assert assert_dense(playlist) == model


@pytest.mark.parametrize("page_size", [5, 50])
def test_playlist_lists_cost_bounded_queries(page_size, django_assert_max_num_queries):
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner, is_public=True)
    for i in range(60):
        PlaylistTrackFactory(playlist=playlist, track=TrackFactory(album=AlbumFactory()), position=i)
        PlaylistFactory(owner=owner, is_public=True)
    client = client_for(owner)

    for url in (f"{V1}/playlists/?page_size={page_size}", f"{V1}/playlists/{playlist.id}/tracks?page_size={page_size}"):
        with django_assert_max_num_queries(4):  # + the credited artists' prefetch
            response = client.get(url)
        assert len(response.json()["results"]) == page_size


def test_cached_entries_follow_every_edit_and_catalog_write(django_capture_on_commit_callbacks):
    """Public viewers share one cached entries page; an add, a move, a removal or a hidden track shows at once."""
    from catalog.curation import tracks_hidden_set

    owner = UserFactory()
    playlist, tracks = filled(owner, 3, is_public=True)
    owner_client, visitor = client_for(owner), client_for(UserFactory())
    url = f"{V1}/playlists/{playlist.id}/tracks"

    def shown(client=visitor):
        return [e["track"]["id"] for e in client.get(url).json()["results"]]

    assert shown() == shown() == [t.id for t in tracks]  # the second answer is the cached one
    extra = TrackFactory()
    owner_client.post(url, {"track_id": extra.id, "position": 0}, format="json")
    assert shown() == [extra.id] + [t.id for t in tracks]
    owner_client.post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 0, "to_position": 3}, format="json")
    assert shown() == [t.id for t in tracks] + [extra.id]
    owner_client.delete(f"{url}/0")
    assert shown() == [tracks[1].id, tracks[2].id, extra.id]
    with django_capture_on_commit_callbacks(execute=True):
        tracks_hidden_set(actor=AdminFactory(), track_ids=[tracks[2].id], hidden=True)
    assert shown() == shown(owner_client) == [tracks[1].id, extra.id]
    assert shown(client_for(AdminFactory())) == [tracks[1].id, tracks[2].id, extra.id]  # staff see hidden ones, uncached


# --- cached totals ------------------------------------------------------------------------------

def test_cached_totals_follow_every_entry_edit_and_track_deletion(django_capture_on_commit_callbacks):
    """The totals are cached per (playlist change, catalog version): each kind of change must show at once."""
    owner = UserFactory()
    playlist, tracks = filled(owner, 3, is_public=True)  # 1 + 2 + 3 s
    client, anonymous = client_for(owner), client_for(None)

    def totals(viewer=client):
        body = viewer.get(f"{V1}/playlists/{playlist.id}").json()
        return body["track_count"], body["duration_ms"]

    assert totals() == totals(anonymous) == (3, 6000)
    client.post(f"{V1}/playlists/{playlist.id}/tracks", {"track_id": tracks[0].id}, format="json")
    assert totals() == totals(anonymous) == (4, 7000)
    client.post(f"{V1}/playlists/{playlist.id}/reorder", {"from_position": 3, "to_position": 0}, format="json")
    assert totals() == (4, 7000)
    client.delete(f"{V1}/playlists/{playlist.id}/tracks/1")
    assert totals() == (3, 6000)

    from catalog.services import track_delete
    with django_capture_on_commit_callbacks(execute=True):
        track_delete(actor=AdminFactory(), track=tracks[2])
    assert totals() == totals(anonymous) == (2, 3000)
    assert [row["track_count"] for row in client.get(f"{V1}/playlists?owner=me").json()["results"]] == [2]


def test_a_list_sums_the_uncached_totals_of_its_page_in_one_query(django_assert_num_queries):
    owner = UserFactory()
    for n in (0, 2, 5):
        filled(owner, n)
    client = client_for(owner)
    with django_assert_num_queries(3):  # the count, the page, one sum for the three playlists
        first = client.get(f"{V1}/playlists?owner=me").json()["results"]
    assert sorted(row["track_count"] for row in first) == [0, 2, 5]
    assert sorted(row["duration_ms"] or 0 for row in first) == [0, 3000, 15000]
    with django_assert_num_queries(2):  # the totals now come from the cache
        assert client.get(f"{V1}/playlists?owner=me").json()["results"] == first
