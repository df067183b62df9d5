"""Fixtures of the studio page tests: an artist account with its profile, another artist, a listener."""
from __future__ import annotations

import pytest

from tests.factories import ArtistFactory, ArtistUserFactory, UserFactory
from tests.storage.conftest import local_storage  # noqa: F401 (fixture: a fresh local-disk storage per test)


@pytest.fixture
def artist_user(db):
    user = ArtistUserFactory(username="mira")
    ArtistFactory(user=user, name="Mira Sol")
    return user


@pytest.fixture
def artist(artist_user):
    return artist_user.artist_profile


@pytest.fixture
def other_artist(db):
    user = ArtistUserFactory(username="otto")
    return ArtistFactory(user=user, name="Otto Grey")


@pytest.fixture
def artist_client(client, artist_user):
    client.force_login(artist_user)
    return client


@pytest.fixture
def listener(db):
    return UserFactory(username="lena")
