"""A public playlist's row from Redis (playlists.cache): no query for it when repeated, never a stale one."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from playlists.cache import _version, playlists_changed, public_playlist
from playlists.models import Playlist
from tests.catalog.helpers import HUGE_ID, V1, assert_error, client_for
from tests.factories import AdminFactory, PlaylistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs as in production


def _playlist_reads(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and 'FROM "playlists"' in q["sql"])


def _forget_owner(playlist) -> None:
    """Creating the owner leaves accounts.user_cache's tombstone for a few seconds: let it lapse."""
    cache.delete(f"auth-user:{playlist.owner_id}")


@pytest.fixture
def shared():
    playlist = PlaylistFactory(is_public=True, title="Morning")
    _forget_owner(playlist)
    return playlist


def test_a_repeated_public_playlist_request_reads_no_playlist_row(shared):
    client = client_for(UserFactory())
    assert client.get(f"{V1}/playlists/{shared.pk}").status_code == 200
    with CaptureQueriesContext(connection) as repeated:
        detail = client.get(f"{V1}/playlists/{shared.pk}")
        entries = client.get(f"{V1}/playlists/{shared.pk}/tracks")
    assert detail.json()["title"] == "Morning" and detail.json()["owner"]["username"] == shared.owner.username
    assert entries.status_code == 200
    assert _playlist_reads(repeated) == 0, [q["sql"][:120] for q in repeated]


def test_a_playlist_made_private_is_refused_to_others_at_once(shared):
    stranger, owner = client_for(UserFactory()), client_for(shared.owner)
    assert stranger.get(f"{V1}/playlists/{shared.pk}").status_code == 200  # cached now

    assert owner.patch(f"{V1}/playlists/{shared.pk}", {"is_public": False}, format="json").status_code == 200

    assert_error(stranger.get(f"{V1}/playlists/{shared.pk}"), 404)
    assert_error(stranger.get(f"{V1}/playlists/{shared.pk}/tracks"), 404)
    assert client_for().get(f"/playlists/{shared.pk}").status_code == 404  # the page too
    assert owner.get(f"{V1}/playlists/{shared.pk}").json()["is_public"] is False
    assert client_for(AdminFactory()).get(f"{V1}/playlists/{shared.pk}").status_code == 200


def test_a_rename_and_an_added_track_show_at_the_next_request(shared):
    stranger, owner = client_for(UserFactory()), client_for(shared.owner)
    before = stranger.get(f"{V1}/playlists/{shared.pk}").json()

    owner.patch(f"{V1}/playlists/{shared.pk}", {"title": "Evening"}, format="json")
    assert stranger.get(f"{V1}/playlists/{shared.pk}").json()["title"] == "Evening"
    # Adding an entry moves updated_at with QuerySet.update (no post_save): the service bumps it.
    assert owner.post(f"{V1}/playlists/{shared.pk}/tracks", {"track_id": TrackFactory().pk}, format="json").status_code == 201
    after = stranger.get(f"{V1}/playlists/{shared.pk}").json()
    assert after["track_count"] == before["track_count"] + 1 and after["updated_at"] > before["updated_at"]


def test_the_owner_is_read_fresh_so_a_rename_shows(shared):
    stranger = client_for(UserFactory())
    assert stranger.get(f"{V1}/playlists/{shared.pk}").status_code == 200
    owner = User.objects.get(pk=shared.owner_id)
    owner.username = "renamed-owner"
    owner.save()
    cache.delete(f"auth-user:{owner.pk}")  # the rename's tombstone
    assert stranger.get(f"{V1}/playlists/{shared.pk}").json()["owner"]["username"] == "renamed-owner"


def test_a_deleted_playlist_is_gone_however_it_was_deleted(shared):
    other = PlaylistFactory(is_public=True)
    stranger = client_for(UserFactory())
    for playlist in (shared, other):
        assert stranger.get(f"{V1}/playlists/{playlist.pk}").status_code == 200

    assert client_for(shared.owner).delete(f"{V1}/playlists/{shared.pk}").status_code == 204
    Playlist.objects.filter(pk=other.pk).delete()  # a bulk delete (the admin's action) sends post_delete too

    for playlist in (shared, other):
        assert_error(stranger.get(f"{V1}/playlists/{playlist.pk}"), 404)


def test_a_private_playlist_is_looked_up_for_each_viewer():
    private = PlaylistFactory(is_public=False)
    owner = client_for(private.owner)
    assert owner.get(f"{V1}/playlists/{private.pk}").status_code == 200  # caches "not public", not the row
    assert public_playlist(private.pk) is None
    assert_error(client_for(UserFactory()).get(f"{V1}/playlists/{private.pk}"), 404)
    assert_error(client_for().get(f"{V1}/playlists/{private.pk}"), 404, "not_found")  # no hint it exists


def test_a_row_stored_by_a_request_racing_a_commit_is_not_served_after_it(shared):
    assert public_playlist(shared.pk).title == "Morning"
    stale = public_playlist(shared.pk)
    with transaction.atomic():
        Playlist.objects.filter(pk=shared.pk).update(title="Evening")
        playlists_changed([shared.pk])
        # Another request read the committed (old) row after the first bump and stores it now.
        cache.set(f"playlist-cache:row:{shared.pk}:{_version(shared.pk)}", stale, timeout=60)
        assert public_playlist(shared.pk).title == "Morning"  # what that request would serve until the commit
    assert public_playlist(shared.pk).title == "Evening"  # the commit's bump left it behind


def test_each_caller_gets_its_own_copy(shared):
    first = public_playlist(shared.pk)
    first.title = "scribbled"
    assert public_playlist(shared.pk).title == "Morning"


def test_odd_ids_find_nothing():
    for odd in (0, -1, HUGE_ID):
        assert public_playlist(odd) is None
    assert_error(client_for(UserFactory()).get(f"{V1}/playlists/{2**63}"), 404)


def test_the_database_answers_when_redis_is_unreachable(settings, shared):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}
    assert public_playlist(shared.pk).title == "Morning"
    playlists_changed([shared.pk])  # logs, does not raise
    assert public_playlist(shared.pk + 10_000) is None
