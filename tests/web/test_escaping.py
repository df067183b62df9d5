"""Hostile titles, names, bios and playlist names are shown as text on every page that shows them."""
from __future__ import annotations

import pytest

from tests.factories import (AlbumFactory, ArtistFactory, FavoriteFactory, GenreFactory, ListenFactory,
                             PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_every_page_escapes_user_supplied_text(client):
    user = UserFactory(username="mallory", first_name=HOSTILE)
    genre = GenreFactory(name="G" + HOSTILE, description=HOSTILE)
    artist = ArtistFactory(name="A" + HOSTILE, bio=HOSTILE)
    album = AlbumFactory(artist=artist, title="L" + HOSTILE)
    track = TrackFactory(artist=artist, album=album, genre=genre, title="T" + HOSTILE)
    playlist = PlaylistFactory(owner=user, title="P" + HOSTILE, description=HOSTILE, is_public=True)
    PlaylistTrackFactory(playlist=playlist, track=track, position=0)
    FavoriteFactory(user=user, track=track)
    ListenFactory(user=user, track=track)
    client.force_login(user)
    urls = ["/", "/browse/artists", "/browse/albums", "/browse/genres", f"/artists/{artist.pk}", f"/albums/{album.pk}",
            f"/genres/{genre.pk}", f"/tracks/{track.pk}", "/search?q=" + "T", f"/search?q={HOSTILE}", "/playlists/",
            f"/playlists/{playlist.pk}", f"/playlists/{playlist.pk}/edit", f"/playlists/{playlist.pk}/delete",
            "/library/", "/library/favourites", "/library/history", f"/tracks/add-to-playlist?ids={track.pk}"]
    for url in urls:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
    body = client.get(f"/tracks/{track.pk}").content.decode()
    assert "T&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in body
