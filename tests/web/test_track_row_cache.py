"""Track rows rendered once per catalog version (catalog/templatetags/track_rows.py): the same HTML as
rendered fresh, with each request's own CSRF token and path, and never filled by an admin's view."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from accounts import permissions
from playlists.models import Favorite
from catalog.templatetags.track_rows import rendered_rows
from tests.factories import AdminFactory, ListenFactory

pytestmark = pytest.mark.django_db

HOSTILE_QUERY = '?x="><b>loud</b>&y=a+b%26c'  # markup (Django percent-encodes it) and a bare & in the page's own path


def _pages(catalog) -> list[str]:
    track = catalog.tracks[0]
    return [f"/albums/{track.album_id}", f"/artists/{track.artist_id}", f"/tracks/{track.pk}", "/",
            f"/genres/{track.genre_id}", f"/search?q={quote(track.title)}", f"/playlists/{catalog.playlist.pk}",
            f"/playlists/{catalog.public_playlist.pk}", "/library/"]


def _comparable(html: str) -> str:
    """The page with its request's CSRF token (masked anew for every request) blanked wherever it shows."""
    for token in set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)):
        html = html.replace(token, "…")
    return html


@pytest.fixture
def rows_cleared():
    rendered_rows.clear()
    yield rendered_rows
    rendered_rows.clear()


def test_cached_rows_are_the_rows_rendered_fresh(catalog, rows_cleared, monkeypatch):
    """Every page with track rows, as the playlist's owner and with a hostile query in the path: the
    page built from cached rows is the page rendered with no cache at all."""
    ListenFactory(user=catalog.listener, track=catalog.tracks[1])
    client = Client()
    client.force_login(catalog.listener)
    for url in _pages(catalog):
        for path in (url, url + ("&" if "?" in url else "?") + HOSTILE_QUERY[1:]):
            rendered_rows.clear()
            with monkeypatch.context() as fresh:  # the viewer gets nothing shared: every row rendered as it stands
                fresh.setattr(permissions, "user_sees_public_catalog_only", lambda user: False)
                uncached = client.get(path)
            assert uncached.status_code == 200 and not rendered_rows._rows, path
            filling, cached = client.get(path), client.get(path)
            body = cached.content.decode()
            assert 'class="track-row' in body and rendered_rows._rows, f"{path}: no row was cached"
            assert _comparable(filling.content.decode()) == _comparable(body) == _comparable(uncached.content.decode()), path
            if path != url:
                assert "<b>loud" not in body and 'value="' + url.replace("&", "&amp;") in body, path
                assert "%3Cb%3Eloud%3C/b%3E&amp;y=a+b%26c" in body, path


def test_each_request_gets_its_own_token_and_it_is_accepted(catalog, rows_cleared):
    """Ada fills the rows, Bob reads them: Bob's forms carry Bob's token (one per page, checked by a
    client that enforces CSRF) and like a track."""
    ada, bob = Client(), Client(enforce_csrf_checks=True)
    ada.force_login(catalog.listener)
    bob.force_login(catalog.other)
    url = f"/albums/{catalog.tracks[0].album_id}"
    ada_tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', ada.get(url).content.decode()))
    bob_page = bob.get(url).content.decode()
    bob_tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', bob_page))
    assert len(bob_tokens) == 1 and not bob_tokens & ada_tokens
    track = catalog.tracks[3]
    liked = bob.post(f"/tracks/{track.pk}/favourite", {"csrfmiddlewaretoken": bob_tokens.pop(), "favourite": "on",
                                                        "next": url})
    assert liked.status_code in (200, 302, 303), liked.status_code
    assert Favorite.objects.filter(user=catalog.other, track=track).exists()


def test_an_admins_view_renders_rows_fresh_and_shares_none(catalog, rows_cleared):
    admin = Client()
    admin.force_login(AdminFactory())
    assert admin.get(f"/albums/{catalog.tracks[0].album_id}").status_code == 200
    assert not rendered_rows._rows


def test_a_visitors_row_links_to_log_in_and_back(catalog, rows_cleared):
    visitor = Client()
    url = f"/albums/{catalog.tracks[0].album_id}?from=a%26b"
    for _ in range(2):  # fill, then read
        body = visitor.get(url).content.decode()
        assert body.count(f"?next={quote(url, safe='/')}".replace("&", "&amp;")) >= 2 * len(catalog.tracks[:4])
    assert "csrfmiddlewaretoken" not in body.split('class="track-list"')[1].split("</ol>")[0]


def test_the_store_keeps_the_latest_rows_within_its_bound():
    from catalog.templatetags.track_rows import _RenderedRows

    rows = _RenderedRows(2)
    rows.put("a", "A")
    rows.put("b", "B")
    assert rows.get("a") == "A"  # a is now the latest
    rows.put("c", "C")
    assert rows.get("b") is None and rows.get("a") == "A" and rows.get("c") == "C"


def test_the_owner_and_a_reader_of_one_playlist_get_their_own_rows(catalog, rows_cleared):
    """Ada reads Bob's public playlist first (rows without handles or Remove); Bob, its owner, then gets his."""
    ada, bob = Client(), Client()
    ada.force_login(catalog.listener)
    bob.force_login(catalog.other)
    url = f"/playlists/{catalog.public_playlist.pk}"
    read = ada.get(url).content.decode()
    assert read.count('class="track-row') >= 1 and "drag-handle" not in read and "Remove from this playlist" not in read
    owned = bob.get(url).content.decode()
    assert owned.count('class="drag-handle"') == owned.count('class="track-row') >= 1
    assert owned.count("Remove from this playlist") == owned.count('class="track-row')
