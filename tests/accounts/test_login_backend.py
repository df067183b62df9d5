"""One sign-in rule (accounts.backends through django.contrib.auth.authenticate) for the API and the admin."""
from __future__ import annotations

import threading

import pytest
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.test import Client

from accounts.backends import password_hashing_slot
from accounts.models import User
from tests.factories import TEST_PASSWORD, AdminFactory, UserFactory
from tests.hashers import FastArgon2PasswordHasher

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"


class CountingHasher(FastArgon2PasswordHasher):
    """The suite's hasher, counting how many hashes were computed."""

    algorithm = "argon2"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)


@pytest.fixture
def hash_count(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login_backend.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


@pytest.fixture
def signals():
    seen: dict[str, list] = {"logged_in": [], "failed": []}

    def on_login(sender, request, user, **kwargs):
        seen["logged_in"].append(user.pk)

    def on_failed(sender, credentials, request=None, **kwargs):
        seen["failed"].append(credentials)

    user_logged_in.connect(on_login, dispatch_uid="test-login")
    user_login_failed.connect(on_failed, dispatch_uid="test-failed")
    yield seen
    user_logged_in.disconnect(dispatch_uid="test-login")
    user_login_failed.disconnect(dispatch_uid="test-failed")


def test_the_username_field_also_takes_the_email_in_any_case(api_client):
    UserFactory(username="Cassandra", email="cass@example.com")

    response = api_client.post(LOGIN, {"username": "CASS@Example.com", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200, response.content  # was 401: the field only matched usernames
    assert {"access", "refresh"} <= set(response.json())


def test_a_jwt_login_sends_user_logged_in_and_sets_last_login(api_client, signals):
    user = UserFactory()
    assert user.last_login is None

    api_client.post(LOGIN, {"username": user.username, "password": TEST_PASSWORD}, format="json")
    api_client.post(LOGIN, {"username": user.username, "password": "wrong"}, format="json")

    assert signals["logged_in"] == [user.pk]  # analytics' login receiver hears API logins too
    assert len(signals["failed"]) == 1
    user.refresh_from_db()
    assert user.last_login is not None


def test_unknown_accounts_cost_one_hash_like_known_ones(api_client, hash_count):
    UserFactory(username="known")
    hash_count.calls = 0

    assert api_client.post(LOGIN, {"username": "nobody", "password": "x"}, format="json").status_code == 401
    unknown = hash_count.calls
    hash_count.calls = 0
    assert api_client.post(LOGIN, {"username": "known", "password": "x"}, format="json").status_code == 401

    assert unknown == hash_count.calls == 1


def test_a_name_that_is_one_accounts_username_and_anothers_email_signs_nobody_in(api_client):
    # given data made before registration refused such pairs
    squatter = UserFactory(username="cass@example.com", email="squatter@example.com")
    owner = UserFactory(username="cass", email="cass@example.com")

    response = api_client.post(LOGIN, {"username": "cass@example.com", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 401
    # the explicit email field names the email's owner only, and the owner's username still works
    assert api_client.post(LOGIN, {"email": "cass@example.com", "password": TEST_PASSWORD},
                           format="json").status_code == 200
    assert api_client.post(LOGIN, {"username": "cass", "password": TEST_PASSWORD}, format="json").status_code == 200
    assert squatter.pk != owner.pk


def test_registration_refuses_names_that_would_make_a_login_ambiguous(api_client):
    UserFactory(username="cass", email="cass@example.com")
    strong = "violet-harbour-tangent-91"

    as_username = api_client.post(REGISTER, {"username": "CASS@example.com", "email": "new@example.com",
                                             "password": strong}, format="json")
    as_email = api_client.post(REGISTER, {"username": "newbie", "email": "cass@Example.com", "password": strong},
                               format="json")

    assert as_username.status_code == 400 and "username" in as_username.json()["fields"]
    assert as_email.status_code == 400 and "email" in as_email.json()["fields"]
    assert User.objects.count() == 1


def test_the_admin_login_takes_the_email_too():
    admin = AdminFactory(username="boss", email="boss@example.com")
    client = Client()

    response = client.post("/admin/login/?next=/admin/", {"username": "Boss@Example.com", "password": TEST_PASSWORD,
                                                          "next": "/admin/"})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    admin.refresh_from_db()
    assert admin.last_login is not None


def test_password_hashing_is_bounded_per_process(api_client, settings):
    settings.PASSWORD_HASH_MAX_CONCURRENT, settings.PASSWORD_HASH_WAIT_S = 1, 0.2
    user = UserFactory()
    release, held = threading.Event(), threading.Event()

    def hold():
        with password_hashing_slot():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        busy = api_client.post(LOGIN, {"username": user.username, "password": TEST_PASSWORD}, format="json")
    finally:
        release.set()
        holder.join()
    free = api_client.post(LOGIN, {"username": user.username, "password": TEST_PASSWORD}, format="json")

    assert busy.status_code == 503 and busy.json()["error"] == "busy"
    assert free.status_code == 200
