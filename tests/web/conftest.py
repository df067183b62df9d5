"""A small catalog that makes every listener page show something: genres, artists with albums, a listener
with favourites, history and playlists."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from tests.pages import csp_live_server  # noqa: F401  (the fixture, for every page test here)

from tests.factories import (AlbumFactory, ArtistFactory, FavoriteFactory, GenreFactory, ListenFactory,
                             PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory)

PASSWORD = "listen-to-jonquils-9"


@dataclass
class Catalog:
    listener: object
    other: object
    genres: list = field(default_factory=list)
    artists: list = field(default_factory=list)
    albums: list = field(default_factory=list)
    tracks: list = field(default_factory=list)
    playlist: object = None
    public_playlist: object = None


def build_catalog(*, artists: int = 4, albums_per_artist: int = 2, tracks_per_album: int = 4) -> Catalog:
    listener = UserFactory(username="ada", email="ada@example.com", first_name="Ada")
    listener.set_password(PASSWORD)
    listener.save()
    other = UserFactory(username="bob", email="bob@example.com")
    catalog = Catalog(listener=listener, other=other)
    catalog.genres = [GenreFactory(name=name) for name in ("Ambient", "Jazz", "Rock")]
    names = ["Aurora Fields", "Blue Lantern", "Copper Coast", "Delta Nine", "Echo Park", "Fable"]
    for a in range(artists):
        artist = ArtistFactory(name=names[a % len(names)] + ("" if a < len(names) else f" {a}"), country="GB",
                               bio="Plays long evenings of slow songs.")
        catalog.artists.append(artist)
        for b in range(albums_per_artist):
            album = AlbumFactory(artist=artist, title=f"{artist.name} Vol. {b + 1}",
                                 release_date=dt.date(2018 + (a + b) % 6, 1 + b, 1))
            catalog.albums.append(album)
            for t in range(tracks_per_album):
                catalog.tracks.append(TrackFactory(
                    artist=artist, album=album, genre=catalog.genres[(a + t) % 3], title=f"Song {a}-{b}-{t}",
                    track_number=t + 1, disc_number=1, duration_ms=150_000 + 7_000 * t, popularity=float(a * 10 + t)))
    for track in catalog.tracks[:3]:
        FavoriteFactory(user=listener, track=track)
    for index, track in enumerate(catalog.tracks[:6]):
        ListenFactory(user=listener, track=track, played_at=dt.datetime(2026, 11, 30, 12, index, tzinfo=dt.UTC))
    catalog.playlist = PlaylistFactory(owner=listener, title="Morning", description="Slow starts", is_public=False)
    for position, track in enumerate(catalog.tracks[:4]):
        PlaylistTrackFactory(playlist=catalog.playlist, track=track, position=position)
    catalog.public_playlist = PlaylistFactory(owner=other, title="Bob's picks", is_public=True)
    PlaylistTrackFactory(playlist=catalog.public_playlist, track=catalog.tracks[5], position=0)
    return catalog


@pytest.fixture
def catalog(db) -> Catalog:
    return build_catalog()


@pytest.fixture
def listener_client(client, catalog):
    client.force_login(catalog.listener)
    return client


@pytest.fixture(scope="session", autouse=True)
def compiled_messages():
    """The Russian catalog compiled from its .po (what `make messages` does), when it is older or missing."""
    from pathlib import Path

    from django.core.management import call_command

    po = Path(__file__).resolve().parents[2] / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["ru"], verbosity=0, ignore_patterns=[".venv", "var"])
