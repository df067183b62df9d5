"""The catalog part of a listener page is cached per catalog version; the listener's own likes never are."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from catalog import curation, services
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

PAGES = ("artist", "album", "track", "home", "genre", "search")


def _url(catalog, page: str) -> str:
    track = catalog.tracks[0]
    return {"artist": f"/artists/{track.artist_id}", "album": f"/albums/{track.album_id}", "track": f"/tracks/{track.pk}",
            "home": "/", "genre": f"/genres/{track.genre_id}", "search": f"/search?q={quote(track.title)}"}[page]


def _liked_ids(html: str) -> set[int]:
    """The track ids whose favourite button is on."""
    return {int(pk) for pk in re.findall(r'/tracks/(\d+)/favourite"[^>]*>\s*<input[^>]*>\s*<input[^>]*>\s*'
                                         r'<button class="icon-button fav-button is-on"', html)}


@pytest.mark.parametrize("page", PAGES)
def test_each_listener_sees_their_own_likes_on_a_shared_page(catalog, page, django_assert_max_num_queries):
    """Ada likes tracks 0–2; Bob likes none. Bob's request after Ada's reads her cached page, never her likes."""
    ada, bob = Client(), Client()
    ada.force_login(catalog.listener)
    bob.force_login(catalog.other)
    url = _url(catalog, page)
    first = ada.get(url)
    assert first.status_code == 200
    liked_by_ada = {t.pk for t in catalog.tracks[:3]}
    shown = {int(pk) for pk in re.findall(r'data-track-id="(\d+)"', first.content.decode())}
    assert shown & liked_by_ada, f"{page}: the page shows none of Ada's liked tracks; the test would prove nothing"
    assert _liked_ids(first.content.decode()) == shown & liked_by_ada

    with django_assert_max_num_queries(8) as repeated:  # session, user, likes (+ home's recent plays)
        for_bob = bob.get(url)
    assert _liked_ids(for_bob.content.decode()) == set()
    assert len(repeated) < 8
    assert _liked_ids(ada.get(url).content.decode()) == shown & liked_by_ada


def test_a_committed_edit_shows_on_the_next_page_view(catalog, listener_client, django_capture_on_commit_callbacks):
    track = catalog.tracks[0]
    url = f"/albums/{track.album_id}"
    assert track.title in listener_client.get(url).content.decode()  # the album's part is now cached
    admin = AdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.track_update(actor=admin, track=track, title="Renamed at dawn")
    body = listener_client.get(url).content.decode()
    assert "Renamed at dawn" in body and f">{catalog.tracks[0].title}<" not in body.replace("Renamed at dawn", "")


def test_viewers_who_see_more_never_share_the_listeners_cached_part(catalog, listener_client, django_capture_on_commit_callbacks):
    """A hidden track is left out for listeners (cached) and shown to an admin (built for them)."""
    admin = AdminFactory()
    hidden = catalog.tracks[1]
    with django_capture_on_commit_callbacks(execute=True):
        curation.tracks_hidden_set(actor=admin, track_ids=[hidden.pk], hidden=True)
    url = f"/albums/{hidden.album_id}"
    assert f'data-track-id="{hidden.pk}"' not in listener_client.get(url).content.decode()
    staff = Client()
    staff.force_login(admin)
    assert f'data-track-id="{hidden.pk}"' in staff.get(url).content.decode()
    assert f'data-track-id="{hidden.pk}"' not in listener_client.get(url).content.decode()  # nor did the admin's fill it


def test_an_unknown_page_is_not_cached_as_an_empty_one(catalog, listener_client):
    assert listener_client.get("/artists/999999").status_code == 404
    assert listener_client.get("/artists/999999").status_code == 404
    assert listener_client.get(f"/artists/{catalog.artists[0].pk}").status_code == 200


def test_a_playlist_page_follows_every_edit_of_its_entries(catalog, listener_client):
    """The entries are cached per (playlist change, catalog version): each edit moves the playlist's updated_at."""
    from playlists import services as playlists

    playlist = catalog.playlist
    url = f"/playlists/{playlist.pk}"

    def shown() -> list[int]:
        return [int(pk) for pk in re.findall(r'<li class="track-row[^"]*" data-track-id="(\d+)"',
                                             listener_client.get(url).content.decode())]

    before = shown()
    assert before == [t.pk for t in catalog.tracks[:4]]
    playlists.playlist_track_add(actor=catalog.listener, playlist_id=playlist.pk, track_id=catalog.tracks[9].pk)
    assert shown() == [*before, catalog.tracks[9].pk]
    playlists.playlist_track_move(actor=catalog.listener, playlist_id=playlist.pk, from_position=4, to_position=0)
    assert shown() == [catalog.tracks[9].pk, *before]
    playlists.playlist_track_remove(actor=catalog.listener, playlist_id=playlist.pk, position=1)
    assert shown() == [catalog.tracks[9].pk, *before[1:]]
