"""Fixtures of the storage tests: the same test runs against local disk and against SeaweedFS (S3)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from catalog.models import Artist
from jonquils.storage import BUCKETS, bucket_storage, build_storages, ensure_buckets, list_keys
from tests.factories import AdminFactory, ArtistFactory, ArtistUserFactory, UserFactory


def _use_backend(request, settings, tmp_path: Path, backend: str) -> str:
    if backend == "local":
        settings.STORAGES = build_storages(media_root=tmp_path / "media")
    else:
        server = request.getfixturevalue("seaweedfs")
        # One set of buckets for the run; each test works under its own key prefix.
        settings.STORAGES = build_storages(media_root=tmp_path / "media",
                                           s3={**server.s3_settings(), "bucket_prefix": "jonquils-test-"},
                                           location=f"t-{uuid.uuid4().hex[:12]}")
    ensure_buckets()
    return backend


@pytest.fixture(params=["local", "s3"])
def storage_backend(request, settings, tmp_path):
    """Swap settings.STORAGES for this test: a fresh directory, or a fresh prefix on SeaweedFS."""
    return _use_backend(request, settings, tmp_path, request.param)


@pytest.fixture
def local_storage(request, settings, tmp_path):
    return _use_backend(request, settings, tmp_path, "local")


def all_objects() -> dict[str, list[str]]:
    """Every object key of every bucket (of this test's storages)."""
    return {bucket: list_keys(bucket_storage(bucket)) for bucket in BUCKETS}


@pytest.fixture
def artist_user(db):
    user = ArtistUserFactory()
    ArtistFactory(user=user, name=f"Profile of {user.username}")
    return user


@pytest.fixture
def artist_client(artist_user):
    client = APIClient()
    client.force_authenticate(artist_user)
    return client


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def admin_client(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def listener_client(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def artist_of(user) -> Artist:
    return Artist.objects.get(user=user)
