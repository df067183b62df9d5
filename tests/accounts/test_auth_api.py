"""Register, login, refresh, logout over HTTP: the happy paths and every bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Role, User
from tests.api.clients import bearer, login
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
STRONG = "violet-harbour-tangent-91"


def _register(client, **overrides):
    body = {"username": "mira", "email": "mira@example.com", "password": STRONG, **overrides}
    return client.post(REGISTER, body, format="json")


# --- register ---------------------------------------------------------------------------

def test_register_creates_a_listener_with_an_argon2_hash_and_signs_in(api_client):
    response = _register(api_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "mira" and body["user"]["role"] == "user"
    assert "password" not in body["user"]
    user = User.objects.get(username="mira")
    assert user.password.startswith("argon2")
    assert user.check_password(STRONG)
    me = bearer(api_client, body["access"]).get(ME)
    assert me.status_code == 200 and me.json()["id"] == user.pk


@pytest.mark.parametrize("trailing", ["", "/"])
def test_every_auth_route_answers_with_and_without_trailing_slash(api_client, trailing):
    response = _register(api_client, username=f"slash{len(trailing)}", email=f"s{len(trailing)}@example.com")
    assert response.status_code == 201
    tokens = response.json()
    assert api_client.post(REFRESH + trailing, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    assert bearer(api_client, tokens["access"]).get(ME + trailing).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "MIRA"}, "username"),
        ({"email": "MIRA@Example.COM"}, "email"),
    ],
)
def test_register_duplicate_username_or_email_in_any_case_is_a_field_error(api_client, overrides, field):
    assert _register(api_client).status_code == 201

    response = _register(api_client, **{"username": "other", "email": "other@example.com", **overrides})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "why"),
    [("short1", "too short"), ("password123", "too common"), ("38561029384756", "entirely numeric"), ("mira-example", "similar")],
)
def test_register_enforces_django_password_validators(api_client, password, why):
    response = _register(api_client, password=password)

    assert response.status_code == 400, why
    assert "password" in response.json()["fields"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "a", "password": STRONG}, "email"),
        ({"username": "a", "email": "a@example.com"}, "password"),
        ({"username": 12345, "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": ["a"], "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "a", "email": True, "password": STRONG}, "email"),
        ({"username": "a", "email": "not-an-email", "password": STRONG}, "email"),
        ({"username": "a", "email": "a@example.com", "password": None}, "password"),
        ({"username": "x" * 151, "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "a", "email": "a" * 250 + "@example.com", "password": STRONG}, "email"),
        ({"username": "a", "email": "a@example.com", "password": "p" * 10_000}, "password"),
        ({"username": "🎵music", "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "x'; DROP TABLE users;--", "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "nul\x00byte", "email": "a@example.com", "password": STRONG}, "username"),
        ({"username": "a", "email": "a@example.com", "password": STRONG, "country": "gb"}, "country"),
        ({"username": "a", "email": "a@example.com", "password": STRONG, "country": 44}, "country"),
    ],
)
def test_register_bad_input_is_a_clear_field_error_and_creates_nothing(api_client, body, field):
    response = api_client.post(REGISTER, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not User.objects.exists()


def test_register_keeps_an_optional_country(api_client):
    response = _register(api_client, country="NG")

    assert response.status_code == 201 and response.json()["user"]["country"] == "NG"
    assert User.objects.get(username="mira").country == "NG"


def test_register_accepts_unicode_letters_in_usernames(api_client):
    response = _register(api_client, username="Zoë_Ångström", email="zoe@example.com")

    assert response.status_code == 201
    assert User.objects.get(username__iexact="zoë_ångström").email == "zoe@example.com"


def test_register_refuses_a_body_that_is_not_an_object_or_not_json(api_client):
    as_list = api_client.post(REGISTER, ["mira"], format="json")
    broken = api_client.generic("POST", REGISTER, "{not json", content_type="application/json")

    assert as_list.status_code == 400 and as_list.json()["error"] == "invalid"
    assert broken.status_code == 400 and broken.json()["error"] == "parse_error"


# --- login ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["username", "email"])
def test_login_with_username_or_email_in_any_case(api_client, field):
    user = UserFactory(username="Cassandra", email="cass@example.com")
    name = getattr(user, field).upper()

    response = api_client.post(LOGIN, {field: name, "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    access = AccessToken(response.json()["access"])
    assert str(access["user_id"]) == str(user.pk)
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.parametrize(
    "body",
    [
        {"username": "nobody", "password": TEST_PASSWORD},
        {"username": "known", "password": "wrong-password"},
        {"email": "known@example.com", "password": "wrong-password"},
        {"username": "' OR '1'='1", "password": "' OR '1'='1"},
    ],
)
def test_login_with_wrong_credentials_is_a_generic_401(api_client, body):
    UserFactory(username="known", email="known@example.com")

    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_credentials", "detail": "No active account matches these credentials."}


def test_login_of_an_inactive_account_is_refused_like_a_wrong_password(api_client):
    UserFactory(username="gone", is_active=False)

    response = api_client.post(LOGIN, {"username": "gone", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 401 and response.json()["error"] == "invalid_credentials"


@pytest.mark.parametrize(
    "body",
    [
        {"password": TEST_PASSWORD},
        {"username": "a", "email": "a@example.com", "password": TEST_PASSWORD},
        {"username": "a"},
        {"username": 42, "password": TEST_PASSWORD},
        {"username": "a", "password": ""},
    ],
)
def test_login_malformed_input_is_400(api_client, body):
    response = api_client.post(LOGIN, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_login_ignores_a_stale_access_token_in_the_headers(api_client, listener):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(LOGIN, {"username": listener.username, "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200


# --- refresh (rotation + blacklist) ----------------------------------------------------

def test_refresh_rotates_and_the_used_refresh_token_is_refused(api_client, listener):
    first = login(api_client, listener)

    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"] and second["access"]

    reused = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["error"] == "token_not_valid"


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(api_client, listener):
    first = login(api_client, listener)
    second = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json").json()

    assert api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json").status_code == 401

    # the thief replayed an old token: the legitimate newer one is revoked too
    assert api_client.post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 401


def test_refresh_with_an_expired_token_is_401(api_client, listener):
    token = RefreshToken.for_user(listener)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = api_client.post(REFRESH, {"refresh": str(token)}, format="json")

    assert response.status_code == 401
    assert response.json() == {"error": "token_not_valid", "detail": "Token is expired"}


@pytest.mark.parametrize("raw", ["garbage", "a.b.c", "x" * 4097])
def test_refresh_with_a_forged_or_oversized_token_is_refused(api_client, raw):
    response = api_client.post(REFRESH, {"refresh": raw}, format="json")

    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid", "token_not_valid")


def test_refresh_with_an_access_token_is_refused(api_client, listener):
    pair = login(api_client, listener)

    response = api_client.post(REFRESH, {"refresh": pair["access"]}, format="json")

    assert response.status_code == 401


def test_refresh_of_a_deactivated_account_is_refused(api_client, listener):
    pair = login(api_client, listener)
    User.objects.filter(pk=listener.pk).update(is_active=False)

    response = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401


def test_expired_access_token_is_a_flat_401(api_client, listener):
    token = AccessToken.for_user(listener)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = bearer(api_client, str(token)).get(ME)

    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "token_not_valid"
    assert isinstance(body["detail"], str) and "expired" in body["detail"].lower()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_lifetimes_come_from_settings(api_client, listener):
    from django.conf import settings

    pair = login(api_client, listener)
    access, refresh = AccessToken(pair["access"]), RefreshToken(pair["refresh"])

    assert access["exp"] - access["iat"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    assert refresh["exp"] - refresh["iat"] == settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] < timedelta(hours=1) < settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]


# --- logout ----------------------------------------------------------------------------

def test_logout_revokes_the_refresh_token_and_is_idempotent(api_client, listener):
    pair = login(api_client, listener)

    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204


def test_logout_all_devices_revokes_every_refresh_token_of_the_account(api_client, listener):
    phone, laptop = login(api_client, listener), login(api_client, listener)
    other = login(api_client, UserFactory())

    response = api_client.post(LOGOUT, {"refresh": phone["refresh"], "all_devices": True}, format="json")

    assert response.status_code == 204
    assert api_client.post(REFRESH, {"refresh": laptop["refresh"]}, format="json").status_code == 401
    assert api_client.post(REFRESH, {"refresh": other["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": 123}, {"refresh": "nonsense"}, {"refresh": "x", "all_devices": "maybe"}])
def test_logout_bad_input(api_client, body):
    response = api_client.post(LOGOUT, body, format="json")

    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid", "token_not_valid")


def test_roles_are_never_taken_from_registration_input(api_client):
    response = _register(api_client, role="admin", is_superuser=True, is_staff=True)

    assert response.status_code == 201
    user = User.objects.get(username="mira")
    assert (user.role, user.is_superuser, user.is_staff) == (Role.USER, False, False)


def test_production_settings_hash_with_argon2():
    import jonquils.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
