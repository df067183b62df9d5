"""Playlist pages change playlists only through the playlist services: positions stay dense."""
from __future__ import annotations

import pytest

from playlists.models import Favorite, Playlist, PlaylistTrack

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _order(playlist) -> list[int]:
    rows = list(PlaylistTrack.objects.filter(playlist=playlist).order_by("position").values_list("position", "track_id"))
    assert [position for position, _ in rows] == list(range(len(rows)))  # dense, from 0
    return [track_id for _, track_id in rows]


def test_create_rename_describe_publish_and_delete_with_confirmation(listener_client, catalog):
    response = listener_client.post("/playlists/new", {"title": "Night drive", "description": "Late", "is_public": "on"})
    playlist = Playlist.objects.get(title="Night drive")
    assert response["Location"] == f"/playlists/{playlist.pk}" and playlist.is_public and playlist.owner == catalog.listener
    listener_client.post(f"/playlists/{playlist.pk}/edit", {"title": "Night drives", "description": "Later"})
    playlist.refresh_from_db()
    assert (playlist.title, playlist.description, playlist.is_public) == ("Night drives", "Later", False)
    confirm = listener_client.get(f"/playlists/{playlist.pk}/delete")
    assert confirm.status_code == 200 and "Night drives" in confirm.content.decode()
    assert Playlist.objects.filter(pk=playlist.pk).exists()  # asking deletes nothing
    listener_client.post(f"/playlists/{playlist.pk}/delete")
    assert not Playlist.objects.filter(pk=playlist.pk).exists()


def test_an_empty_name_is_refused_and_nothing_is_created(listener_client, catalog):
    response = listener_client.post("/playlists/new", {"title": "  ", "description": "kept"})
    assert response.status_code == 400 and "kept" in response.content.decode()
    assert not Playlist.objects.filter(description="kept").exists()


def test_add_from_a_track_row_to_an_existing_or_a_new_playlist(listener_client, catalog):
    track = catalog.tracks[10]
    menu = listener_client.get(f"/tracks/add-to-playlist?ids={track.pk}", headers=HTMX).content.decode()
    assert "Morning" in menu and "New playlist" in menu
    answer = listener_client.post(f"/playlists/{catalog.playlist.pk}/tracks/add", {"track_id": track.pk}, headers=HTMX)
    assert answer.status_code == 200 and "Morning" in answer.content.decode()
    assert _order(catalog.playlist)[-1] == track.pk
    listener_client.post("/playlists/new/tracks/add", {"track_id": track.pk, "new_title": "Fresh"}, headers=HTMX)
    assert _order(Playlist.objects.get(title="Fresh")) == [track.pk]


def test_add_a_whole_album_in_album_order(listener_client, catalog):
    album_tracks = [t.pk for t in catalog.tracks[4:8]]
    listener_client.post("/playlists/new/tracks/add", {"track_ids": ",".join(map(str, album_tracks)), "new_title": "Album"})
    assert _order(Playlist.objects.get(title="Album")) == album_tracks


def test_a_bad_track_list_adds_nothing(listener_client, catalog):
    before = _order(catalog.playlist)
    ids = f"{catalog.tracks[9].pk},999999"
    response = listener_client.post(f"/playlists/{catalog.playlist.pk}/tracks/add", {"track_ids": ids}, headers=HTMX)
    assert response.status_code == 400 and _order(catalog.playlist) == before  # all or nothing


def test_move_and_remove_answer_the_refreshed_list(listener_client, catalog):
    first, second, third, fourth = _order(catalog.playlist)
    response = listener_client.post(f"/playlists/{catalog.playlist.pk}/tracks/move",
                                    {"from_position": 0, "to_position": 2},
                                    headers={**HTMX, "HX-Target": "playlist-entries"})
    assert response.status_code == 200 and 'id="playlist-entries"' in response.content.decode()
    assert _order(catalog.playlist) == [second, third, first, fourth]
    listener_client.post(f"/playlists/{catalog.playlist.pk}/tracks/remove", {"position": 1})
    assert _order(catalog.playlist) == [second, first, fourth]
    bad = listener_client.post(f"/playlists/{catalog.playlist.pk}/tracks/move", {"from_position": 0, "to_position": 9},
                               headers=HTMX)
    assert bad.status_code == 400 and _order(catalog.playlist) == [second, first, fourth]


def test_someone_elses_playlist_cannot_be_changed(client, catalog):
    client.force_login(catalog.other)
    before = _order(catalog.public_playlist)
    client.force_login(catalog.listener)
    for url, data in ((f"/playlists/{catalog.public_playlist.pk}/tracks/add", {"track_id": catalog.tracks[0].pk}),
                      (f"/playlists/{catalog.public_playlist.pk}/tracks/remove", {"position": 0}),
                      (f"/playlists/{catalog.public_playlist.pk}/delete", {}),
                      (f"/playlists/{catalog.public_playlist.pk}/edit", {"title": "Mine now"})):
        assert client.post(url, data).status_code == 403, url
    assert _order(catalog.public_playlist) == before
    assert Playlist.objects.get(pk=catalog.public_playlist.pk).title == "Bob's picks"


def test_favourite_toggle_answers_the_new_button(listener_client, catalog):
    track = catalog.tracks[12]
    on = listener_client.post(f"/tracks/{track.pk}/favourite", {"favourite": "on"}, headers=HTMX).content.decode()
    assert 'aria-pressed="true"' in on and Favorite.objects.filter(user=catalog.listener, track=track).exists()
    off = listener_client.post(f"/tracks/{track.pk}/favourite", {"favourite": "off", "next": "/library/"})
    assert off["Location"] == "/library/" and not Favorite.objects.filter(user=catalog.listener, track=track).exists()


def test_search_click_is_recorded_through_the_service(client, catalog, django_capture_on_commit_callbacks):
    from search.signals import search_result_clicked

    seen = []
    search_result_clicked.connect(lambda sender, **kw: seen.append(kw), weak=False, dispatch_uid="test-click")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/search/click", {"query": "song", "entity": "track",
                                                 "result_id": catalog.tracks[0].pk}).status_code == 204
        assert client.post("/search/click", {"query": "song", "entity": "spaceship", "result_id": 1}).status_code == 400
    finally:
        search_result_clicked.disconnect(dispatch_uid="test-click")
    assert [(c["query"], c["entity"], c["result_id"]) for c in seen] == [("song", "track", catalog.tracks[0].pk)]


def test_a_long_playlist_renders_a_page_of_entries_and_loads_the_rest_by_position(listener_client, catalog):
    from playlists import selectors
    from playlists.services import playlist_track_add

    # given a playlist longer than a page (the page size made small for the test)
    playlist = catalog.playlist
    for track in catalog.tracks[4:12]:
        playlist_track_add(actor=catalog.listener, playlist_id=playlist.pk, track_id=track.pk)
    order = _order(playlist)
    size = 5
    first = selectors.playlist_page_data(playlist_id=playlist.pk, user=catalog.listener, size=size)
    # then the first page holds `size` entries, Play all holds every track, and the next page starts after it
    assert [e.track_id for e in first["entries"]] == order[:size]
    assert first["all_track_ids"] == ",".join(map(str, order))
    second = selectors.playlist_page_data(playlist_id=playlist.pk, user=catalog.listener, after=first["next_after"],
                                          size=size)
    assert [e.track_id for e in second["entries"]] == order[size:2 * size]

    # and through the page: "Load more" answers the next rows only, its own link carrying on
    page = listener_client.get(f"/playlists/{playlist.pk}").content.decode()
    assert 'id="playlist-entries"' in page and page.count('class="track-row') == min(len(order), selectors.PLAYLIST_PAGE_ENTRIES)
    more = listener_client.get(f"/playlists/{playlist.pk}?after=3",
                               headers={**HTMX, "HX-Target": "playlist-entries-more"}).content.decode()
    assert 'id="playlist-entries"' not in more and more.count('class="track-row') == len(order) - 4
    # and a junk position is the first page, not an error
    assert listener_client.get(f"/playlists/{playlist.pk}?after=-1x").status_code == 200
