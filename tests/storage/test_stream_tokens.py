"""Signed stream links are bound to the user's credentials: a password change or a logout revokes them."""
from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.analytics.conftest import clickhouse, flush  # noqa: F401 - a fixture
from tests.api.clients import bearer, login
from tests.audio import make_audio
from tests.factories import TEST_PASSWORD, UserFactory
from tests.storage.test_streaming import stored_track

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "violet-harbour-tangent-91"


@pytest.fixture
def track(local_storage):
    return stored_track(make_audio("mp3", duration_s=1))


def _signed_in():
    user = UserFactory()
    client = APIClient()
    pair = login(client, user)
    return user, bearer(client, pair["access"]), pair


def _link(client, track) -> str:
    response = client.get(f"/api/v1/tracks/{track.pk}/stream-url")
    assert response.status_code == 200
    return response.json()["url"].split("testserver", 1)[1]


def _plays(link: str) -> int:
    return APIClient().get(link, HTTP_RANGE="bytes=0-1").status_code  # an <audio> element: the URL alone


def test_a_password_change_revokes_the_links_made_before_it(track):
    user, client, _ = _signed_in()
    link = _link(client, track)
    assert _plays(link) == 206

    changed = client.patch("/api/v1/auth/me", {"password": NEW_PASSWORD, "current_password": TEST_PASSWORD},
                           format="json")
    assert changed.status_code == 200

    refused = APIClient().get(link)
    assert refused.status_code == 401
    assert refused.json() == {"error": "authentication_failed",
                              "detail": "This stream link has expired or is not valid; ask for a new one."}
    fresh = bearer(APIClient(), login(APIClient(), user, NEW_PASSWORD)["access"])
    assert _plays(_link(fresh, track)) == 206


def test_a_logout_revokes_the_links_made_before_it(track):
    _, client, pair = _signed_in()
    link = _link(client, track)
    assert _plays(link) == 206

    assert APIClient().post("/api/v1/auth/logout", {"refresh": pair["refresh"]}, format="json").status_code == 204

    assert _plays(link) == 401


def test_a_session_logout_revokes_them_too(track):
    user = UserFactory()
    browser = Client()
    browser.force_login(user)
    link = _link(browser, track)
    assert _plays(link) == 206

    browser.logout()

    assert _plays(link) == 401


def test_other_users_links_survive_a_logout(track):
    _, alice, alice_pair = _signed_in()
    _, bob, _ = _signed_in()
    bobs_link = _link(bob, track)

    APIClient().post("/api/v1/auth/logout", {"refresh": alice_pair["refresh"]}, format="json")

    assert _plays(bobs_link) == 206


def test_the_request_log_keeps_the_route_not_the_token(track, clickhouse):
    _, client, _ = _signed_in()
    link = _link(client, track)
    assert _plays(link) == 206
    flush()

    rows = clickhouse.rows("SELECT endpoint FROM api_requests_log")
    assert "/api/v1/tracks/<pk>/stream" in [row["endpoint"] for row in rows]
    assert not any("token" in row["endpoint"] for row in rows)


def test_a_link_played_again_reads_neither_its_user_nor_its_track_from_the_database(
        track, django_assert_num_queries, django_capture_on_commit_callbacks):
    """A player asks for a Range window every few seconds: the user and the track come from Redis
    (accounts.user_cache, catalog.selectors.tracks_visible_by_id), still checked on every request."""
    from django.core.cache import cache

    user, client, _ = _signed_in()
    link = _link(client, track)
    cache.delete(f"auth-user:{user.pk}")  # signing in left a tombstone (accounts.user_cache)
    assert _plays(link) == 206

    with django_assert_num_queries(0):
        assert _plays(link) == 206

    from catalog.cache import catalog_cache_invalidate

    track.hidden = True
    track.save(update_fields=["hidden"])
    with django_capture_on_commit_callbacks(execute=True):
        catalog_cache_invalidate()  # what every hide does (catalog.services), once it commits
    assert APIClient().get(link, HTTP_RANGE="bytes=0-1").status_code == 404
