"""The role predicates: the one place that reads `User.role`."""
from __future__ import annotations

import pathlib
import re

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.permissions import (
    CatalogWritePermission,
    user_is_admin,
    user_is_artist,
    user_is_artist_or_admin,
    user_sees_public_catalog_only,
)
from tests.factories import AdminFactory, ArtistUserFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_predicates_by_role():
    listener, artist, admin = UserFactory(), ArtistUserFactory(), AdminFactory()
    role_admin = UserFactory(role="admin")  # an admin by role, not a superuser
    for user, expected in (
        (None, (False, False, False, True)), (AnonymousUser(), (False, False, False, True)),
        (listener, (False, False, False, True)), (artist, (False, True, True, False)),
        (admin, (True, False, True, False)), (role_admin, (True, False, True, False)),
    ):
        got = (user_is_admin(user), user_is_artist(user), user_is_artist_or_admin(user), user_sees_public_catalog_only(user))
        assert got == expected, user


def test_no_module_compares_roles_with_raw_strings():
    pattern = re.compile(r"""\.role\s*[!=]=\s*["']|["'](user|artist|admin)["']\s*[!=]=\s*\w+\.role""")
    offenders = [
        str(path.relative_to(ROOT)) for app in ("accounts", "catalog", "playlists", "search", "analytics", "etl", "jonquils")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_the_catalog_write_permission_has_no_object_check_that_would_never_run():
    # The catalog views load objects through selectors (never get_object()), so DRF never
    # called has_object_permission; ownership is checked by catalog.services.
    assert "has_object_permission" not in CatalogWritePermission.__dict__
