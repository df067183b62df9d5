"""The request's user from Redis (accounts.user_cache): one lookup fewer per request, never a stale account."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import Role, User
from accounts.user_cache import user_by_id, user_cache_forget
from tests.api.clients import login
from tests.factories import TEST_PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs as in production

ME = "/api/v1/auth/me"


def _tombstone_expired(user) -> None:
    """Signing in saves last_login, so its commit leaves a tombstone for TOMBSTONE_S: let it lapse."""
    from django.core.cache import cache

    cache.delete(f"auth-user:{user.pk}")


def _cached(user) -> bool:
    from django.core.cache import cache

    return isinstance(cache.get(f"auth-user:{user.pk}"), User)


def _user_lookups(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith('SELECT') and 'FROM "users"' in q["sql"])


def test_a_bearer_request_reads_its_user_from_the_database_once(client_for, listener):
    client = client_for(listener)
    _tombstone_expired(listener)
    with CaptureQueriesContext(connection) as first:
        assert client.get(ME).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(ME).json()["username"] == listener.username
    assert _user_lookups(second) == _user_lookups(first) - 1  # authentication's own lookup is gone


def test_a_deactivated_account_is_refused_at_the_next_request(client_for, listener):
    client = client_for(listener)
    _tombstone_expired(listener)
    assert client.get(ME).status_code == 200
    assert user_by_id(listener.pk) is not None and _cached(listener)  # the user is cached now

    services.user_active_set(user=User.objects.get(pk=listener.pk), is_active=False, actor=AdminFactory())

    response = client.get(ME)
    assert response.status_code == 401 and "inactive" in response.json()["detail"].lower()


def test_a_role_change_shows_at_the_next_request(client_for, listener):
    client = client_for(listener)
    _tombstone_expired(listener)
    assert client.get(ME).json()["role"] == "user" and _cached(listener)

    services.user_role_change(user=User.objects.get(pk=listener.pk), role=Role.ARTIST, actor=AdminFactory())

    assert user_by_id(listener.pk).role == Role.ARTIST  # what the next request authenticates as
    assert client.get(ME).json()["role"] == "artist"


def test_a_sign_out_is_seen_though_it_writes_with_update(client_for, listener, api_client):
    """Sign-out bumps token_generation by QuerySet.update (no post_save): stream links are signed with it."""
    tokens = login(api_client, listener)
    client = client_for(listener)
    _tombstone_expired(listener)
    client.get(ME)
    assert _cached(listener)
    before = user_by_id(listener.pk).token_generation

    assert api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code in (200, 204)

    assert user_by_id(listener.pk).token_generation == before + 1 == User.objects.get(pk=listener.pk).token_generation


def test_a_row_read_before_a_commit_cannot_come_back_after_it(listener):
    """A request that read the old row just before a write committed must not cache it over the write."""
    from django.core.cache import cache

    old = User.objects.get(pk=listener.pk)
    user = User.objects.get(pk=listener.pk)
    user.first_name = "Renamed"
    user.save(update_fields=["first_name"])  # committed (autocommit): the tombstone is in place

    assert cache.add(f"auth-user:{listener.pk}", old, timeout=60) is False
    assert user_by_id(listener.pk).first_name == "Renamed"


def test_each_caller_gets_its_own_copy(listener):
    first = user_by_id(listener.pk)
    first.first_name = "Changed in memory only"
    first._perm_cache = {"catalog.delete_track"}

    second = user_by_id(listener.pk)
    assert second.first_name == listener.first_name and not hasattr(second, "_perm_cache")


@pytest.mark.parametrize("raw", ["abc", None, "", "1e3", "-1", str(2**70)])
def test_odd_ids_find_nobody(raw):
    assert user_by_id(raw) is None


def test_a_session_page_reads_its_user_once_and_a_password_change_signs_it_out(listener):
    page = Client()
    assert page.login(username=listener.username, password=TEST_PASSWORD)
    _tombstone_expired(listener)
    page.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert page.get("/").status_code == 200
    assert _user_lookups(queries) == 0

    user = User.objects.get(pk=listener.pk)
    user.set_password("glacier-quartz-lantern-58")
    user.save()

    assert page.get("/library/").status_code == 302  # the session's hash no longer matches: signed out


def test_the_database_answers_when_redis_is_unreachable(settings, listener):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}
    assert user_by_id(listener.pk).pk == listener.pk
    user_cache_forget(listener.pk)  # logs, does not raise
    assert user_by_id(listener.pk + 10_000) is None
