"""Every listener page answers HTML, signed in or not, at a fixed number of SQL queries."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _pages(catalog) -> list[str]:
    artist, album, track, genre = catalog.artists[0], catalog.albums[0], catalog.tracks[0], catalog.genres[0]
    return [
        "/", "/browse/", "/browse/artists", "/browse/artists?letter=C", "/browse/albums", "/browse/albums?order=az",
        "/browse/albums?order=year", "/browse/genres", f"/artists/{artist.pk}", f"/albums/{album.pk}",
        f"/genres/{genre.pk}", f"/tracks/{track.pk}", "/search", "/search?q=song", "/playlists/",
        f"/playlists/{catalog.public_playlist.pk}", "/accounts/login", "/accounts/signup",
    ]


def _private_pages(catalog) -> list[str]:
    return ["/library/", "/library/favourites", "/library/history", "/playlists/new", f"/playlists/{catalog.playlist.pk}/edit", f"/playlists/{catalog.playlist.pk}/delete",
            "/accounts/profile", "/accounts/password", f"/tracks/add-to-playlist?ids={catalog.tracks[0].pk}"]


def test_every_page_answers_html_to_visitors(client, catalog):
    for url in _pages(catalog):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert '<main id="main"' in body and 'id="player"' in body and 'hx-boost="true"' in body, url


def test_private_pages_send_visitors_to_log_in(client, catalog):
    for url in _private_pages(catalog):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login?next="), url


def test_a_private_playlist_is_unknown_to_others(client, catalog):
    assert client.get(f"/playlists/{catalog.playlist.pk}").status_code == 404


def test_every_page_answers_html_to_the_listener(listener_client, catalog):
    for url in _pages(catalog) + _private_pages(catalog) + [f"/playlists/{catalog.playlist.pk}"]:
        assert listener_client.get(url).status_code == 200, url


def test_track_rows_carry_the_player_contract(listener_client, catalog):
    body = listener_client.get(f"/albums/{catalog.albums[0].pk}").content.decode()
    track = catalog.tracks[0]
    assert f'<li class="track-row numbered" data-track-id="{track.pk}"' in body
    for action in ("play", "play-next", "enqueue"):
        assert f'data-player-action="{action}" data-track-id="{track.pk}"' in body
    ids = ",".join(str(t.pk) for t in catalog.tracks[:4])
    assert f'<div class="actions" data-track-ids="{ids}">' in body and body.count("data-track-ids=") == 1  # Play all and Shuffle share them
    assert body.count('data-player-action="play-all"') == 2
    assert 'aria-pressed="true"' in body  # the first track is a favourite


def test_unknown_pages_answer_the_sites_404_and_the_api_keeps_json(client, catalog):
    response = client.get("/albums/999999")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]
    assert 'id="player"' in response.content.decode()
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_editing_someone_elses_playlist_is_a_403_page(client, catalog):
    client.force_login(catalog.other)
    response = client.get(f"/playlists/{catalog.public_playlist.pk}/edit")
    assert response.status_code == 200
    response = client.get(f"/playlists/{catalog.playlist.pk}/edit")
    assert response.status_code == 404  # private playlists of others are unknown, not forbidden
    client.force_login(catalog.listener)
    response = client.get(f"/playlists/{catalog.public_playlist.pk}/edit")
    assert response.status_code == 403 and 'id="player"' in response.content.decode()


def test_a_failing_page_answers_the_sites_500_without_details(settings, catalog):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.web.boom_urls"
    client = Client(raise_request_exception=False)
    response = client.get("/boom-page")
    body = response.content.decode()
    assert response.status_code == 500 and "text/html" in response["Content-Type"]
    assert 'id="player"' in body and "Something went wrong" in body and "SELECT" not in body
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")
