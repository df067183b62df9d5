"""Rate limits in Redis: strict on login/register per IP and per account, general per user/IP; 429 + Retry-After."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.throttling import parse_rate
from tests.api.clients import login
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
ME = "/api/v1/auth/me"
GENEROUS = {"anon": "1000/min", "user": "1000/min", "auth_ip": "1000/min", "auth_account": "1000/min"}


@pytest.fixture
def rates(settings):
    """Set some throttle rates for one test; the rest stay generous."""

    def apply(**overrides):
        settings.API_THROTTLE_RATES = {**GENEROUS, **overrides}

    return apply


def _client(ip: str) -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def _assert_throttled(response):
    assert response.status_code == 429, response.content
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    body = response.json()
    assert body["error"] == "throttled"
    assert body["retry_after_s"] >= 1


def test_login_per_account_limit_holds_across_ip_addresses(rates):
    rates(auth_account="3/min")
    UserFactory(username="victim")

    statuses = [
        _client(f"10.0.0.{i}").post(LOGIN, {"username": "victim", "password": "guess"}, format="json").status_code
        for i in range(3)
    ]
    blocked = _client("10.0.0.99").post(LOGIN, {"username": "VICTIM", "password": TEST_PASSWORD}, format="json")

    assert statuses == [401, 401, 401]
    _assert_throttled(blocked)
    # another account from the same addresses is not affected
    other = UserFactory()
    assert _client("10.0.0.1").post(LOGIN, {"username": other.username, "password": TEST_PASSWORD},
                                    format="json").status_code == 200


def test_login_per_ip_limit_holds_across_accounts(rates):
    rates(auth_ip="4/min")
    client = _client("192.0.2.7")

    statuses = [client.post(LOGIN, {"username": f"u{i}", "password": "x"}, format="json").status_code for i in range(4)]
    blocked = client.post(LOGIN, {"username": "u99", "password": "x"}, format="json")

    assert statuses == [401] * 4
    _assert_throttled(blocked)
    assert _client("192.0.2.8").post(LOGIN, {"username": "u99", "password": "x"}, format="json").status_code == 401


def test_register_is_limited_per_ip(rates):
    rates(auth_ip="2/min")
    client = _client("198.51.100.1")

    for i in range(2):
        body = {"username": f"new{i}", "email": f"new{i}@example.com", "password": "violet-harbour-tangent-91"}
        assert client.post(REGISTER, body, format="json").status_code == 201
    blocked = client.post(REGISTER, {"username": "new9", "email": "new9@example.com",
                                     "password": "violet-harbour-tangent-91"}, format="json")

    _assert_throttled(blocked)
    from accounts.models import User
    assert not User.objects.filter(username="new9").exists()


def test_register_is_limited_per_account_name(rates):
    rates(auth_account="2/min")

    for i in range(2):
        _client(f"203.0.113.{i}").post(REGISTER, {"username": "wanted", "email": f"w{i}@example.com", "password": "x"},
                                       format="json")
    blocked = _client("203.0.113.50").post(REGISTER, {"username": "Wanted", "email": "w9@example.com", "password": "x"},
                                           format="json")

    _assert_throttled(blocked)


def test_forwarded_for_header_cannot_dodge_the_ip_limit(rates):
    rates(auth_ip="2/min")
    client = _client("192.0.2.50")

    for i in range(2):
        client.post(LOGIN, {"username": f"a{i}", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}")
    blocked = client.post(LOGIN, {"username": "a9", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="1.1.1.9")

    _assert_throttled(blocked)


def test_general_limit_per_user(rates, listener):
    rates(user="3/min")
    pair = login(APIClient(), listener)
    phone, laptop = APIClient(REMOTE_ADDR="10.1.1.1"), APIClient(REMOTE_ADDR="10.1.1.2")
    for client in (phone, laptop):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    assert [phone.get(ME).status_code for _ in range(2)] + [laptop.get(ME).status_code] == [200, 200, 200]
    _assert_throttled(laptop.get(ME))

    other = UserFactory()
    other_client = APIClient(REMOTE_ADDR="10.1.1.1")
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(APIClient(), other)['access']}")
    assert other_client.get(ME).status_code == 200


def test_general_limit_for_anonymous_clients_per_ip(rates):
    rates(anon="2/min")
    client = _client("192.0.2.200")

    def refresh(c):
        return c.post("/api/v1/auth/refresh", {"refresh": "not-a-token"}, format="json")

    assert [refresh(client).status_code for _ in range(2)] == [401, 401]
    _assert_throttled(refresh(client))
    assert refresh(_client("192.0.2.201")).status_code == 401


def test_the_limit_resets_after_the_window(rates):
    rates(auth_ip="1/min")
    client = _client("192.0.2.9")
    assert client.post(LOGIN, {"username": "a", "password": "x"}, format="json").status_code == 401
    _assert_throttled(client.post(LOGIN, {"username": "a", "password": "x"}, format="json"))

    cache.clear()  # what the window's expiry does in Redis

    assert client.post(LOGIN, {"username": "a", "password": "x"}, format="json").status_code == 401


def test_counters_live_in_the_redis_cache(rates):
    rates(auth_ip="5/min")
    _client("192.0.2.10").post(LOGIN, {"username": "a", "password": "x"}, format="json")

    from django_redis import get_redis_connection

    keys = get_redis_connection("default").keys("*throttle:auth_ip:*")
    assert len(keys) == 1
    assert 0 < get_redis_connection("default").ttl(keys[0]) <= 60


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("5/min", (5, 60)), ("100/h", (100, 3600)), ("10/15m", (10, 900)), ("1/s", (1, 1)), ("3/day", (3, 86400))],
)
def test_parse_rate(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "five/min", "5/fortnight", "5/0m", "5"])
def test_parse_rate_refuses_nonsense(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.fixture
def redis_down(settings):
    """Call it to point the default cache at a Redis that does not answer."""

    def apply():
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:9/0",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            }
        }

    return apply


def test_with_redis_down_general_limits_let_requests_through(rates, client_for, listener, redis_down):
    rates(user="1/min")
    client = client_for(listener)
    redis_down()

    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]


def test_with_redis_down_login_is_refused_rather_than_unlimited(rates, listener, redis_down):
    rates(auth_ip="100/min")
    redis_down()

    response = _client("192.0.2.77").post(LOGIN, {"username": listener.username, "password": TEST_PASSWORD},
                                          format="json")

    _assert_throttled(response)


# --- the same limits on the other doors to a password check ------------------------------------

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def _admin_post(ip: str, username: str, password: str = "guess"):
    from django.test import Client

    return Client(REMOTE_ADDR=ip).post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})


def _assert_throttled_page(response):
    assert response.status_code == 429, response.content[:500]
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"Try again in {retry_after} second" in response.content.decode()


def test_admin_login_is_limited_per_account_across_addresses_and_names(rates):
    rates(auth_account="3/min")
    from tests.factories import AdminFactory
    AdminFactory(username="admin", email="root@example.com")

    statuses = [_admin_post(f"10.2.0.{i}", name).status_code for i, name in enumerate(["admin", "ADMIN", "root@example.com"])]
    blocked = _admin_post("10.2.0.99", "admin", TEST_PASSWORD)  # even the right password waits

    assert statuses == [200, 200, 200]  # the form again, with its error
    _assert_throttled_page(blocked)
    # the API login of the same account shares the budget
    _assert_throttled(_client("10.2.0.98").post(LOGIN, {"email": "root@example.com", "password": TEST_PASSWORD},
                                                 format="json"))


def test_admin_login_is_limited_per_ip_and_a_refused_attempt_costs_no_hash(rates, settings):
    rates(auth_ip="2/min")
    for i in range(2):
        assert _admin_post("192.0.2.30", f"user{i}").status_code == 200
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login_backend.CountingHasher"]
    from tests.accounts.test_login_backend import CountingHasher
    CountingHasher.calls = 0

    blocked = _admin_post("192.0.2.30", "user9")

    _assert_throttled_page(blocked)
    assert CountingHasher.calls == 0
    assert _admin_post("192.0.2.31", "user9").status_code == 200


def test_with_redis_down_the_admin_login_is_refused(rates, redis_down):
    rates()
    redis_down()

    _assert_throttled_page(_admin_post("192.0.2.32", "admin"))


def test_current_password_checks_meet_the_login_limits(rates, listener, client_for):
    client = client_for(listener)
    cache.clear()  # the sign-in that gave the token counted too; start a fresh window
    rates(auth_account="2/min")

    wrong = [client.patch(ME, {"email": "new@example.com", "current_password": "guess"}, format="json").status_code
             for _ in range(2)]
    blocked = client.patch(ME, {"email": "new@example.com", "current_password": TEST_PASSWORD}, format="json")

    assert wrong == [400, 400]
    _assert_throttled(blocked)
    listener.refresh_from_db()
    assert listener.email != "new@example.com"
    # the failed checks count against the account: its login waits as well
    _assert_throttled(_client("10.3.0.1").post(LOGIN, {"username": listener.username, "password": TEST_PASSWORD},
                                               format="json"))
    # changes that check no password are not limited by it
    assert client.patch(ME, {"first_name": "Still"}, format="json").status_code == 200


def test_current_password_checks_are_limited_per_ip(rates, client_for):
    users = [UserFactory() for _ in range(3)]
    clients = [client_for(u) for u in users]
    cache.clear()
    rates(auth_ip="2/min")
    for c in clients:
        c.defaults["REMOTE_ADDR"] = "192.0.2.60"

    statuses = [c.patch(ME, {"password": "violet-harbour-tangent-91", "current_password": "guess"},
                        format="json").status_code for c in clients]

    assert statuses == [400, 400, 429]
