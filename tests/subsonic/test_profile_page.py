"""The profile page's Subsonic section: make, see once, revoke — in Chromium with CSP on, axe-clean, screenshots."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import SubsonicCredential
from tests.factories import UserFactory
from tests.pages import assert_accessible, assert_csp_header, assert_no_csp_violations, csp_live_server, screenshot, watch_csp  # noqa: F401
from tests.web.browser import login_context

pytestmark = pytest.mark.django_db(transaction=True)


def _ping(base: str, username: str, password: str) -> str:
    return json.loads(Client().get("/rest/ping", {"f": "json", "u": username, "p": password, "v": "1.16.1",
                                                  "c": "t"}).content)["subsonic-response"]["status"]


def test_profile_makes_shows_once_and_revokes_subsonic_credentials(page, csp_live_server):  # noqa: F811
    user = UserFactory(username="pagefan")
    login_context(page, csp_live_server, user)
    watch_csp(page)
    response = page.goto(f"{csp_live_server.url}/accounts/profile")
    assert_csp_header(response)
    section = page.locator("#subsonic")
    assert "pagefan" in section.inner_text() and csp_live_server.url in section.inner_text()
    section.get_by_role("button", name="Make a Subsonic password").click()
    page.get_by_test_id("subsonic-password").wait_for()
    password = page.get_by_test_id("subsonic-password").inner_text()
    assert page.get_by_test_id("subsonic-api-key").inner_text()
    assert _ping(csp_live_server.url, "pagefan", password) == "ok"
    assert_accessible(page, where="profile with new Subsonic credentials")
    screenshot(page, "subsonic-profile-issued")
    page.goto(f"{csp_live_server.url}/accounts/profile")
    assert page.get_by_test_id("subsonic-password").count() == 0  # shown once only
    assert "made on" in page.locator("#subsonic").inner_text()
    page.locator("#subsonic").get_by_role("button", name="Revoke").click()
    page.get_by_text("You have no Subsonic password yet.").wait_for()
    assert not SubsonicCredential.objects.filter(user=user).exists()
    assert _ping(csp_live_server.url, "pagefan", password) == "failed"
    assert_accessible(page, where="profile without Subsonic credentials")
    screenshot(page, "subsonic-profile-none")
    assert_no_csp_violations(page)


def test_the_section_speaks_russian(client):
    user = UserFactory()
    client.force_login(user)
    body = client.get("/accounts/profile", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Приложения Subsonic" in body
