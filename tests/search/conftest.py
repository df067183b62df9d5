"""Search fixtures: a small catalog whose names exercise folding, typos, prefixes and ranking."""
from __future__ import annotations

import os

import pytest

from tests.factories import AlbumFactory, ArtistFactory, GenreFactory, PlaylistFactory, PlaylistTrackFactory, TrackFactory, UserFactory

# The same behaviour table runs on every backend that exists here.
BACKENDS = ["postgres"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings):
    if request.param == "elasticsearch" and "test" not in settings.ELASTICSEARCH_INDEX_PREFIX:
        pytest.skip("the Elasticsearch tests rebuild indexes: set ELASTICSEARCH_INDEX_PREFIX=jonquils-test")
    settings.SEARCH_BACKEND = request.param
    return request.param


@pytest.fixture
def catalog(db, search_backend):
    """Artists, albums, tracks and playlists; indexed when the backend needs it."""
    rock = GenreFactory(name="Rock")
    pop = GenreFactory(name="Pop")
    beyonce = ArtistFactory(name="Beyoncé", bio="Singer from Houston.")
    acdc = ArtistFactory(name="AC/DC", bio="Australian hard rock band.")
    beatles = ArtistFactory(name="The Beatles", bio="Band from Liverpool.")
    metallica = ArtistFactory(name="Metallica", bio="Heavy metal band.")
    kino = ArtistFactory(name="Кино", bio="Советская рок-группа.")
    thunder = ArtistFactory(name="Thunder", bio="A band.")
    someone = ArtistFactory(name="Someone Else", bio="Known for thunder sounds in every song.")
    covers = ArtistFactory(name="Cover Band", bio="Plays other people's songs.")
    black = AlbumFactory(artist=acdc, title="Back in Black", release_date="1980-07-25")
    abbey = AlbumFactory(artist=beatles, title="Abbey Road", release_date="1969-09-26")
    tracks = {
        "halo": TrackFactory(artist=beyonce, title="Halo", genre=pop, popularity=50, tempo=80, energy=0.5),
        "hells": TrackFactory(artist=acdc, album=black, title="Hells Bells", genre=rock, popularity=60, tempo=107, energy=0.9),
        "yesterday": TrackFactory(artist=beatles, title="Yesterday", genre=pop, popularity=90, tempo=97, energy=0.2),
        "come": TrackFactory(artist=beatles, album=abbey, title="Come Together", genre=rock, popularity=70, tempo=82, energy=0.4),
        "yesterday_cover": TrackFactory(artist=covers, title="Yesterday", genre=pop, popularity=10, tempo=97, energy=0.2),
        "sandman": TrackFactory(artist=metallica, title="Enter Sandman", genre=rock, popularity=80, tempo=123, energy=0.95),
        "blood": TrackFactory(artist=kino, title="Группа крови", genre=rock, popularity=40, tempo=120, energy=0.7),
        "storm": TrackFactory(artist=thunder, title="Storm", genre=rock, popularity=5),
    }
    for i in range(3):  # popularity of "Someone Else" outweighs Thunder's: relevance must still win
        TrackFactory(artist=someone, title=f"Song {i}", popularity=100)
    owner = UserFactory()
    road = PlaylistFactory(owner=owner, title="Road Trip", description="Songs for driving.", is_public=True)
    mix = PlaylistFactory(owner=owner, title="Mix", description="My road trip favourites.", is_public=True)
    for track in tracks.values():
        PlaylistTrackFactory(playlist=mix, track=track)  # the description match is the more popular one
    secret = PlaylistFactory(owner=owner, title="Secret Road Songs", is_public=False)
    if search_backend == "elasticsearch":
        from search.es import rebuild_all

        rebuild_all(refresh=True)
    return {"tracks": tracks, "owner": owner, "secret": secret, "rock": rock, "acdc": acdc, "beatles": beatles}
