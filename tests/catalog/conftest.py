import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Argon2 costs about a second per factory user on this machine; these tests never log in by password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
