"""Security headers and CORS: CSP without 'unsafe-inline' on every page, the admin, the API and its
docs (checked in Chromium for violations), nosniff, Referrer-Policy, frame protection, CORS only for
configured origins on /api/ with preflight."""
from __future__ import annotations

import pytest
from django.test import override_settings

from tests.factories import AdminFactory, TrackFactory
from tests.pages import assert_no_csp_violations, watch_csp
from tests.web.browser import login_context

pytestmark = pytest.mark.django_db
PATHS = ("/", "/accounts/login", "/admin/login/", "/api/v1/tracks/", "/docs", "/redoc", "/health", "/api/schema/")


def test_every_kind_of_response_carries_the_policy_and_the_headers(client):
    for path in PATHS:
        response = client.get(path, follow=False)
        assert response.status_code in (200, 302), (path, response.status_code)
        policy = response["Content-Security-Policy"]
        if path == "/redoc":  # the stated exception: ReDoc's run-time <style> elements (jonquils/security.py)
            assert policy.endswith("; style-src-elem 'self' 'unsafe-inline'; worker-src 'self' blob:"), policy
            policy = policy.rsplit(";", 2)[0]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (path, policy)
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, (path, policy)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path


def test_the_docs_allow_only_their_own_fixed_inline_styles_by_hash(client):
    policy = client.get("/docs")["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in policy and "script-src" not in policy  # scripts: 'self' only
    assert b"<script>" not in client.get("/docs").content  # the init script is a file (split view)


@pytest.mark.django_db(transaction=True)
def test_the_admin_and_the_docs_run_in_chromium_without_a_csp_violation(live_server, page):
    admin = AdminFactory()
    TrackFactory(title="Under Policy")
    login_context(page, live_server, admin)
    watch_csp(page)
    for path in ("/admin/", "/admin/catalog/track/", "/admin/catalog/track/add/", "/admin/etl/alert/", "/docs",
                 "/redoc", "/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        policy = response.header_value("content-security-policy")
        assert "unsafe-inline" not in policy or path == "/redoc", (path, policy)
        assert "script-src" not in policy and "default-src 'self'" in policy  # scripts: 'self' only, everywhere
        page.wait_for_load_state("networkidle")
        seen = [v for v in page.evaluate("() => window.__cspViolations || []") if not _font_link(v)]
        assert seen == [], (path, seen)
    # ReDoc links Google Fonts and its CDN's logo: blocked on purpose (no CDN, no network at run time)
    page._jonquils_csp_console = [m for m in page._jonquils_csp_console if not _font_link(m)]  # noqa: SLF001
    assert_no_csp_violations(page)


def _font_link(message: str) -> bool:
    return "fonts.googleapis.com" in message or "cdn.redoc.ly" in message


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_allows_only_configured_origins_on_the_api_with_preflight(client):
    preflight = client.options("/api/v1/tracks/", HTTP_ORIGIN="https://app.example.com",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    assert "GET" in preflight["Access-Control-Allow-Methods"] and preflight["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in preflight

    simple = client.get("/api/v1/tracks/", HTTP_ORIGIN="https://app.example.com")
    assert simple["Access-Control-Allow-Origin"] == "https://app.example.com"

    other = client.options("/api/v1/tracks/", HTTP_ORIGIN="https://evil.example.net",
                           HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/tracks/", HTTP_ORIGIN="https://evil.example.net")
    # pages and the admin are never shared across origins
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/", HTTP_ORIGIN="https://app.example.com")


def test_no_origin_is_allowed_by_default(client):
    response = client.get("/api/v1/tracks/", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in response
