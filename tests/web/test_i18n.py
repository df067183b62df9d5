"""English and Russian, chosen from Accept-Language or the switch (a cookie)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_accept_language_picks_russian(client, catalog):
    body = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).content.decode()
    assert '<html lang="ru"' in body and "Новые релизы" in body and "Слушать всё" in body
    assert "New releases" not in body


def test_english_by_default(client, catalog):
    body = client.get("/").content.decode()
    assert '<html lang="en"' in body and "New releases" in body


def test_the_switch_remembers_the_language(client, catalog):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/browse/"})
    assert response.status_code == 302 and response["Location"] == "/browse/"
    body = client.get("/browse/", headers={"Accept-Language": "en"}).content.decode()
    assert "Артисты А–Я" in body


def test_russian_plurals(client, catalog):
    body = client.get(f"/albums/{catalog.albums[0].pk}", headers={"Accept-Language": "ru"}).content.decode()
    assert "4 трека" in body


def test_the_theme_switch_is_remembered_and_rendered(client, catalog):
    response = client.post("/settings/theme", {"theme": "dark", "next": "/browse/"})
    assert response["Location"] == "/browse/" and response.cookies["jonquils_theme"].value == "dark"
    assert 'data-theme="dark"' in client.get("/browse/").content.decode()
    client.post("/settings/theme", {"theme": "<evil>"})
    assert "data-theme=" not in client.get("/").content.decode().split("<head>")[0]
