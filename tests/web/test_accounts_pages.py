"""Account pages: sign up, log in by username or email, log out, change password, profile; same services and
the same throttles as the API."""
from __future__ import annotations

import pytest

from accounts.models import User
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GENEROUS = {"anon": "1000/min", "user": "1000/min", "auth_ip": "1000/min", "auth_account": "1000/min"}


@pytest.fixture
def rates(settings):
    def set_rates(**overrides):
        settings.API_THROTTLE_RATES = {**GENEROUS, **overrides}
    set_rates()
    return set_rates


def test_sign_up_creates_a_listener_and_signs_in(client, rates):
    response = client.post("/accounts/signup", {"username": "carol", "email": "Carol@Example.com",
                                                "password": "a-long-enough-pass-77", "country": "gb"})
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="carol")
    assert user.email == "Carol@example.com" and user.country == "GB" and user.role == "user"
    assert client.get("/library/").status_code == 200


def test_sign_up_with_a_taken_username_says_so_and_keeps_the_input(client, catalog, rates):
    response = client.post("/accounts/signup", {"username": "ADA", "email": "new@example.com", "password": "x-long-pass-4411"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="new@example.com"' in body and "field-error" in body
    assert User.objects.filter(email="new@example.com").count() == 0


def test_log_in_by_username_or_email_and_out(client, catalog, rates):
    for login in ("ada", "ADA@example.com"):
        response = client.post("/accounts/login?next=/library/", {"login": login, "password": PASSWORD, "next": "/library/"})
        assert response.status_code == 302 and response["Location"] == "/library/", login
        assert client.post("/accounts/logout").status_code == 302
        assert client.get("/library/").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part(client, catalog, rates):
    response = client.post("/accounts/login", {"login": "ada", "password": "wrong"})
    assert response.status_code == 400 and "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logins_from_pages_and_the_api_share_one_limit(client, catalog, rates):
    rates(auth_account="3/min")
    for _ in range(3):
        assert client.post("/api/v1/auth/login", {"username": "ada", "password": "wrong"},
                           content_type="application/json").status_code == 401
    blocked = client.post("/accounts/login", {"login": "ada", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "Too many attempts" in blocked.content.decode() and "_auth_user_id" not in client.session


def test_page_logins_count_against_the_api(client, catalog, rates):
    rates(auth_account="2/min")
    for _ in range(2):
        client.post("/accounts/login", {"login": "ada@example.com", "password": "wrong"})
    assert client.post("/api/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD},
                       content_type="application/json").status_code == 429


def test_change_password_keeps_this_browser_signed_in(client, catalog, rates):
    client.force_login(catalog.listener)
    wrong = client.post("/accounts/password", {"current_password": "nope", "password": "brand-new-pass-99",
                                               "password_again": "brand-new-pass-99"})
    assert wrong.status_code == 400 and "not correct" in wrong.content.decode()
    differ = client.post("/accounts/password", {"current_password": PASSWORD, "password": "brand-new-pass-99",
                                                "password_again": "other-new-pass-99"})
    assert differ.status_code == 400
    ok = client.post("/accounts/password", {"current_password": PASSWORD, "password": "brand-new-pass-99",
                                            "password_again": "brand-new-pass-99"})
    assert ok.status_code == 302
    assert client.get("/library/").status_code == 200
    catalog.listener.refresh_from_db()
    assert catalog.listener.check_password("brand-new-pass-99")


def test_profile_edits_names_and_country_and_needs_the_password_for_email(client, catalog, rates):
    client.force_login(catalog.listener)
    saved = client.post("/accounts/profile", {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                                              "country": "ru"})
    assert saved.status_code == 302
    refused = client.post("/accounts/profile", {"first_name": "Ada", "email": "other@example.com", "country": "RU"})
    assert refused.status_code == 400 and "current password" in refused.content.decode().lower()
    bad_country = client.post("/accounts/profile", {"email": "ada@example.com", "country": "Russia"})
    assert bad_country.status_code == 400
    catalog.listener.refresh_from_db()
    assert (catalog.listener.last_name, catalog.listener.country, catalog.listener.email) == ("Lovelace", "RU", "ada@example.com")


def test_login_refuses_an_outside_next(client, catalog, rates):
    response = client.post("/accounts/login", {"login": "ada", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_htmx_posts_redirect_with_hx_location_never_a_full_reload(client, catalog, rates):
    response = client.post("/accounts/login", {"login": "ada", "password": PASSWORD}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Location" in response and "HX-Redirect" not in response
