"""The footer of the listener home at / in a real browser: its links lead to working pages, with no request
leaving the machine."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def requests_seen(page):
    """Every URL the page asks for, including scripts, styles and fetches of the docs."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_the_docs_link_opens_a_swagger_ui_that_lists_the_api_offline(live_server, page, requests_seen):
    # given the page behind the URL that make run prints
    page.goto(f"{live_server.url}/")
    assert page.title() == "JONQUILS"
    assert page.locator("main#main").evaluate("m => getComputedStyle(m).display") == "block"  # app.css applied

    # when the reader follows "API documentation" in the footer (a new tab: the player keeps playing)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="API documentation").click()
    docs = opened.value
    docs.on("request", lambda request: requests_seen.append(request.url))

    # then Swagger UI renders the operations from the schema, with assets served by the service itself
    page = docs
    page.wait_for_selector(".opblock-summary-path", state="attached")
    paths = {path.strip().rstrip("/") for path in page.locator(".opblock-summary-path").all_inner_texts()}
    assert {"/api/v1/tracks/{id}/stream", "/api/v1/search/tracks", "/api/v1/auth/login"} <= paths
    assert len(paths) > 40
    foreign = {urlsplit(url).netloc for url in requests_seen} - {urlsplit(live_server.url).netloc}
    assert not foreign, f"the docs asked other hosts: {foreign}"


def test_the_health_link_answers_json(live_server, page):
    page.goto(f"{live_server.url}/")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Health").click()

    health = opened.value
    health.wait_for_url(f"{live_server.url}/health")
    body = health.locator("body").inner_text()
    assert '"status"' in body and '"database"' in body
