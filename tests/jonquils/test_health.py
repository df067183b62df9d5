import pytest
from django.test import override_settings

from jonquils.health import check_cache, readiness_forget
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "unix:///nonexistent/redis.sock?db=0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def staff(client):
    client.force_login(AdminFactory())
    return client


@pytest.fixture(autouse=True)
def _fresh_readiness():
    readiness_forget()
    yield
    readiness_forget()


@pytest.fixture
def dead_cache():
    # override_settings(CACHES=...) makes Django drop its cache connections (setting_changed).
    with override_settings(CACHES=DEAD_REDIS):
        yield


def test_all_green_with_a_real_worker(staff, celery_worker_process, analytics_owner):
    response = staff.get("/health")

    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert set(body["components"]) >= {"database", "cache", "storage", "worker", "search", "analytics"}
    for component in body["components"].values():
        assert component["ok"] is True and component["latency_ms"] >= 0
    assert body["components"]["worker"]["workers"] >= 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_required_component_down_answers_503(client, dead_cache):
    # with the cache down no session can be read: the operator's token still opens the details
    with override_settings(HEALTH_TOKEN="x" * 40):
        response = client.get("/health", HTTP_AUTHORIZATION="Bearer " + "x" * 40)

    body = response.json()
    assert response.status_code == 503 and body["status"] == "down"
    assert body["components"]["cache"]["ok"] is False and body["components"]["cache"]["required"] is True
    assert "Error" in body["components"]["cache"]["error"]
    assert body["components"]["database"]["ok"] is True


def test_an_optional_component_down_is_degraded_not_down(client):
    checks = [("database", "jonquils.health.check_database", True), ("cache", "jonquils.health.check_cache", False)]
    with override_settings(CACHES=DEAD_REDIS, HEALTH_CHECKS=checks):
        response = client.get("/health")

    assert response.status_code == 200 and response.json()["status"] == "degraded"


def test_health_only_answers_reads(client):
    assert client.post("/health").status_code == 405


def test_cache_check_raises_on_a_dead_server(dead_cache):
    with pytest.raises(Exception):
        check_cache()


def test_the_public_sees_status_and_which_components_are_ok_but_no_internals(client):
    listener = _signed_in(UserFactory())
    with override_settings(CACHES=DEAD_REDIS):
        answers = [who.get("/health") for who in (client, listener)]
    for response in answers:
        body = response.json()
        assert response.status_code == 503 and body["status"] == "down"
        assert body["components"]["cache"] == {"ok": False} and body["components"]["database"] == {"ok": True}
        text = response.content.decode()
        for internal in ("Error", "sock", "/", "latency_ms", "redis"):
            assert internal not in text, internal


def _signed_in(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


@override_settings(HEALTH_TOKEN="t" * 40)
def test_the_health_token_opens_the_details(client, dead_cache):
    assert "error" not in client.get("/health", HTTP_AUTHORIZATION="Bearer wrong").json()["components"]["cache"]
    detailed = client.get("/health", HTTP_AUTHORIZATION=f"Bearer {'t' * 40}").json()
    assert "Error" in detailed["components"]["cache"]["error"] and "latency_ms" in detailed["components"]["cache"]


def test_live_answers_without_touching_any_component(client, dead_cache, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@override_settings(HEALTH_READY_CACHE_S=30)
def test_ready_checks_required_components_once_per_interval(client):
    import time

    started = time.monotonic()
    first = client.get("/health/ready")
    assert first.status_code == 200 and first.json()["status"] == "ok"
    assert set(first.json()["components"]) == {"database", "cache", "storage"}  # the required ones only
    # answered from memory: a dead cache server is not even asked within the interval
    with override_settings(CACHES=DEAD_REDIS):
        for _ in range(20):
            assert client.get("/health/ready").status_code == 200
    assert time.monotonic() - started < 5


def test_ready_answers_503_in_the_error_format_when_a_required_component_is_down(client, dead_cache):
    response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert body["error"] == "service_unavailable" and body["detail"] == "Not ready: cache not answering."
    assert body["components"]["cache"] == {"ok": False}
