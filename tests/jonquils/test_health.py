import pytest


@pytest.mark.django_db
def test_health_reports_each_component(client):
    response = client.get("/health")

    body = response.json()
    assert set(body["components"]) == {"database", "cache", "storage", "worker", "analytics"}
    for name in ("database", "cache", "storage"):
        assert body["components"][name]["ok"] is True, body
        assert body["components"][name]["latency_ms"] >= 0
