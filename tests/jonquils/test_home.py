"""The listener home behind the URL that `make run` prints: the API docs, admin and health in its footer."""
import pytest

pytestmark = pytest.mark.django_db


def test_home_links_the_docs_the_admin_and_health(client):
    response = client.get("/")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for href in ('href="/docs"', 'href="/redoc"', 'href="/api/schema"', 'href="/admin/"', 'href="/health"'):
        assert href in page


def test_home_is_read_only(client):
    assert client.post("/").status_code == 405
