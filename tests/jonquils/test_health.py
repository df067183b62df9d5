import pytest
from django.test import override_settings

from jonquils.health import check_cache

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "unix:///nonexistent/redis.sock?db=0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def dead_cache():
    # override_settings(CACHES=...) makes Django drop its cache connections (setting_changed).
    with override_settings(CACHES=DEAD_REDIS):
        yield


def test_all_green_with_a_real_worker(client, celery_worker_process, analytics_owner):
    response = client.get("/health")

    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert set(body["components"]) >= {"database", "cache", "storage", "worker", "search", "analytics"}
    for component in body["components"].values():
        assert component["ok"] is True and component["latency_ms"] >= 0
    assert body["components"]["worker"]["workers"] >= 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_required_component_down_answers_503(client, dead_cache):
    response = client.get("/health")

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
