"""HTTP clients with real JWTs for real users, shared by tests/accounts and tests/api (via their conftest)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD, AdminFactory, ArtistUserFactory, UserFactory

LOGIN_URL = "/api/v1/auth/login"


def login(client: APIClient, user, password: str = TEST_PASSWORD) -> dict:
    """Sign `user` in over HTTP; return the token pair."""
    response = client.post(LOGIN_URL, {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def listener(db):
    return UserFactory()


@pytest.fixture
def artist_user(db):
    return ArtistUserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def client_for():
    """Return a client signed in (with a real access token) as the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        return bearer(client, login(client, user)["access"])

    return make
