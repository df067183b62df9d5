"""GET/PATCH /api/v1/auth/me: one's own profile; password and email changes need the current password."""
from __future__ import annotations

import pytest

from accounts.models import User
from tests.api.clients import login
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"
NEW_PASSWORD = "glacier-quartz-lantern-58"


def test_me_requires_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_me_shows_own_profile_only(client_for, listener):
    UserFactory()

    body = client_for(listener).get(ME).json()

    assert body["id"] == listener.pk and body["username"] == listener.username
    assert body["role"] == "user" and body["artist_id"] is None
    assert "password" not in body and "is_superuser" not in body


def test_patch_names_with_unicode_emoji_and_sql_looking_text(client_for, listener):
    client = client_for(listener)

    response = client.patch(ME, {"first_name": "Zoë 🎸", "last_name": "O'Brien; DROP TABLE users;--"}, format="json")

    assert response.status_code == 200
    listener.refresh_from_db()
    assert listener.first_name == "Zoë 🎸" and listener.last_name == "O'Brien; DROP TABLE users;--"
    assert User.objects.count() == 1


def test_password_change_needs_the_current_password(client_for, listener):
    client = client_for(listener)

    missing = client.patch(ME, {"password": NEW_PASSWORD}, format="json")
    wrong = client.patch(ME, {"password": NEW_PASSWORD, "current_password": "nope"}, format="json")

    for response in (missing, wrong):
        assert response.status_code == 400
        assert "current_password" in response.json()["fields"]
    listener.refresh_from_db()
    assert listener.check_password(TEST_PASSWORD)


def test_password_change_applies_validators(client_for, listener):
    response = client_for(listener).patch(ME, {"password": "123", "current_password": TEST_PASSWORD}, format="json")

    assert response.status_code == 400 and "password" in response.json()["fields"]
    listener.refresh_from_db()
    assert listener.check_password(TEST_PASSWORD)


def test_password_change_works_and_revokes_refresh_tokens(api_client, client_for, listener):
    other_device = login(api_client, listener)
    client = client_for(listener)

    response = client.patch(ME, {"password": NEW_PASSWORD, "current_password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200
    listener.refresh_from_db()
    assert listener.check_password(NEW_PASSWORD) and listener.password.startswith("argon2")
    assert api_client.post(REFRESH, {"refresh": other_device["refresh"]}, format="json").status_code == 401
    login(api_client, listener, NEW_PASSWORD)


def test_email_change_needs_the_current_password_and_stays_unique(client_for, listener):
    UserFactory(email="taken@example.com")
    client = client_for(listener)

    assert client.patch(ME, {"email": "new@example.com"}, format="json").status_code == 400
    dup = client.patch(ME, {"email": "TAKEN@example.com", "current_password": TEST_PASSWORD}, format="json")
    ok = client.patch(ME, {"email": "new@example.com", "current_password": TEST_PASSWORD}, format="json")

    assert dup.status_code == 400 and "email" in dup.json()["fields"]
    assert ok.status_code == 200 and ok.json()["email"] == "new@example.com"


def test_username_change_is_unique_case_insensitively_but_own_case_change_is_fine(client_for):
    me = UserFactory(username="dana")
    UserFactory(username="Taken")
    client = client_for(me)

    assert client.patch(ME, {"username": "taken"}, format="json").status_code == 400
    response = client.patch(ME, {"username": "DANA"}, format="json")

    assert response.status_code == 200 and response.json()["username"] == "DANA"


@pytest.mark.parametrize(
    "body",
    [
        {"role": "admin"},
        {"is_superuser": True},
        {"id": 999},
    ],
)
def test_patch_cannot_change_role_or_privileges(client_for, listener, body):
    response = client_for(listener).patch(ME, body, format="json")

    assert response.status_code == 200
    listener.refresh_from_db()
    assert listener.role == "user" and not listener.is_superuser and User.objects.filter(pk=listener.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": 5}, "first_name"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"username": ""}, "username"),
        ({"username": "bad name with spaces"}, "username"),
        ({"email": "nope"}, "email"),
        ({"last_name": None}, "last_name"),
        ({"password": ["a", "b"], "current_password": TEST_PASSWORD}, "password"),
    ],
)
def test_patch_bad_input_changes_nothing(client_for, listener, body, field):
    before = User.objects.values().get(pk=listener.pk)

    response = client_for(listener).patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    after = User.objects.values().get(pk=listener.pk)
    after.pop("last_login"), before.pop("last_login")
    assert after == before


def test_patch_country_sets_and_clears_it(client_for, listener):
    client = client_for(listener)

    set_response = client.patch(ME, {"country": "PT"}, format="json")
    assert set_response.status_code == 200 and set_response.json()["country"] == "PT"
    listener.refresh_from_db()
    assert listener.country == "PT"

    cleared = client.patch(ME, {"country": ""}, format="json")
    assert cleared.status_code == 200 and cleared.json()["country"] == ""


@pytest.mark.parametrize("bad", ["pt", "Portugal", "P", 351, None, ["PT"], "P1"])
def test_patch_country_refuses_anything_but_an_iso_code(client_for, listener, bad):
    listener.country = "GB"
    listener.save(update_fields=["country"])

    response = client_for(listener).patch(ME, {"country": bad}, format="json")

    assert response.status_code == 400
    assert "country" in response.json()["fields"]
    listener.refresh_from_db()
    assert listener.country == "GB"
