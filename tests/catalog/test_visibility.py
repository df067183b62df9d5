"""Every caller agrees with visible_to(user): REST lists and details, media, cached pages, search hit loading.

One small world, four viewers (anonymous, listener, the artist, an admin). For each model the
expected ids come from `visible_to` itself; each caller must answer exactly those.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from catalog.models import Album, Artist, ProcessingStatus, Track
from playlists.models import Playlist
from search.backends.elastic import hits_from_response
from search.selectors import hits_hydrate, hits_visible
from search.services import search_request_build, search_run
from tests.factories import (
    AdminFactory,
    AlbumFactory,
    ArtistFactory,
    ArtistUserFactory,
    PlaylistFactory,
    TrackFactory,
    UserFactory,
)

from .helpers import V1, client_for

pytestmark = pytest.mark.django_db

WORD = "Zyzzyva"  # in every name, so one search finds the whole world


@pytest.fixture
def world():
    artist_user = ArtistUserFactory()
    mine = ArtistFactory(user=artist_user, name=f"{WORD} Mine")
    released = AlbumFactory(artist=mine, title=f"{WORD} Released")
    unfinished = AlbumFactory(artist=mine, title=f"{WORD} Unfinished")  # only a pending track
    empty = AlbumFactory(artist=mine, title=f"{WORD} Empty")
    ready = TrackFactory(artist=mine, album=released, title=f"{WORD} Ready")
    pending = TrackFactory(artist=mine, album=unfinished, title=f"{WORD} Pending", processing_status=ProcessingStatus.PENDING)
    failing = ArtistFactory(name=f"{WORD} Failing")  # nothing ready: hidden from the public
    failed = TrackFactory(artist=failing, title=f"{WORD} Failed", processing_status=ProcessingStatus.FAILED)
    listener = UserFactory()
    public = PlaylistFactory(owner=listener, title=f"{WORD} Public", is_public=True)
    private = PlaylistFactory(owner=listener, title=f"{WORD} Private", is_public=False)
    viewers = {"anonymous": None, "listener": listener, "artist": artist_user, "admin": AdminFactory()}
    return {
        "viewers": viewers, "tracks": [ready, pending, failed], "albums": [released, unfinished, empty],
        "artists": [mine, failing], "playlists": [public, private],
    }


def _viewer(user):
    return user if user is not None else AnonymousUser()


def _visible_ids(model, user) -> set[int]:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", ["anonymous", "listener", "artist", "admin"])
def test_the_semantics_of_visible_to(world, who):
    user = world["viewers"][who]
    ready, pending, failed = world["tracks"]
    released, unfinished, empty = world["albums"]
    mine, failing = world["artists"]
    public, private = world["playlists"]
    expected = {
        "anonymous": ({ready}, {released}, {mine}, {public}),
        "listener": ({ready}, {released}, {mine}, {public, private}),
        "artist": ({ready, pending}, {released, unfinished, empty}, {mine}, {public}),
        "admin": ({ready, pending, failed}, {released, unfinished, empty}, {mine, failing}, {public, private}),
    }[who]
    for model, objects in zip((Track, Album, Artist, Playlist), expected, strict=True):
        assert _visible_ids(model, user) == {o.pk for o in objects}, model.__name__
    assert _visible_ids(Track, _viewer(user)) == _visible_ids(Track, user)  # AnonymousUser == None


@pytest.mark.parametrize("who", ["anonymous", "listener", "artist", "admin"])
def test_rest_lists_and_details_answer_what_visible_to_holds(world, who):
    user = world["viewers"][who]
    client = client_for(user)
    for path, model, objects in (
        ("tracks", Track, world["tracks"]), ("albums", Album, world["albums"]),
        ("artists", Artist, world["artists"]), ("playlists", Playlist, world["playlists"]),
    ):
        visible = _visible_ids(model, user)
        assert _ids(client.get(f"{V1}/{path}/?page_size=100")) == visible, path
        for obj in objects:
            status = client.get(f"{V1}/{path}/{obj.pk}").status_code
            assert status == (200 if obj.pk in visible else 404), (path, obj)
    mine = world["artists"][0]
    assert _ids(client.get(f"{V1}/artists/{mine.pk}/tracks")) == _visible_ids(Track, user) & {
        t.pk for t in world["tracks"] if t.artist_id == mine.pk}
    assert _ids(client.get(f"{V1}/artists/{mine.pk}/albums")) == _visible_ids(Album, user)


@pytest.mark.parametrize("who", ["anonymous", "listener", "artist", "admin"])
def test_stream_cover_and_download_open_exactly_the_visible_tracks(world, who):
    user = world["viewers"][who]
    client = client_for(user)
    visible = _visible_ids(Track, user)
    for track in world["tracks"]:
        # These tracks have no stored file: a visible one gets past the visibility gate to the
        # storage check ("missing"), a hidden one is unknown ("Not found.").
        cover = client.get(f"{V1}/tracks/{track.pk}/cover")
        assert cover.status_code == 404
        assert cover.json()["detail"] == ("This track has no cover image." if track.pk in visible else "Not found.")
        if user is None:
            assert client.get(f"{V1}/tracks/{track.pk}/stream").status_code == 401  # streams need an account
            continue
        stream = client.get(f"{V1}/tracks/{track.pk}/stream")
        assert stream.status_code == 404
        assert ("missing from storage" in stream.json()["detail"]) == (track.pk in visible)
        stream_url = client.get(f"{V1}/tracks/{track.pk}/stream-url")
        assert stream_url.status_code == (200 if track.pk in visible else 404)
        download = client.get(f"{V1}/tracks/{track.pk}/download")
        if track.pk not in visible:
            assert download.status_code == 404
        elif who in ("artist", "admin") and (who == "admin" or track.artist.user_id == user.pk):
            assert download.status_code == 404 and "missing from storage" in download.json()["detail"]
        else:
            assert download.status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "listener", "artist", "admin"])
def test_postgres_search_finds_what_visible_to_holds(world, who, settings):
    settings.SEARCH_BACKEND = "postgres"
    user = world["viewers"][who]
    client = client_for(user)
    for kind, model in (("tracks", Track), ("albums", Album), ("artists", Artist), ("playlists", Playlist)):
        assert _ids(client.get(f"{V1}/search/{kind}", {"q": WORD, "page_size": 100})) == _visible_ids(model, user), kind
    suggested = client.get(f"{V1}/search/suggest", {"q": WORD.lower()[:5]}).json()["results"]
    for entity, model in (("track", Track), ("album", Album), ("artist", Artist), ("playlist", Playlist)):
        assert {r["id"] for r in suggested if r["entity"] == entity} <= _visible_ids(model, user)


def _es_response(objects) -> dict:
    return {"hits": {"hits": [{"_id": str(o.pk), "_score": 2.0, "_source": {"popularity": 1.0}} for o in objects]}}


@pytest.mark.parametrize("who", ["anonymous", "listener", "artist", "admin"])
def test_elasticsearch_hits_are_loaded_through_visible_to(world, who):
    """No server needed: an index that returns every id (stale or not) is fed to the hit loading."""
    user = world["viewers"][who]
    for entity, model, key in (("track", Track, "tracks"), ("album", Album, "albums"),
                               ("artist", Artist, "artists"), ("playlist", Playlist, "playlists")):
        hits = hits_from_response(entity, _es_response(world[key]))
        assert {h.id for h in hits} == {o.pk for o in world[key]}
        assert {h.id for h in hits_visible(hits=hits, user=user)} == _visible_ids(model, user), entity
        assert {obj.pk for _, obj in hits_hydrate(hits=hits, user=user)} == _visible_ids(model, user), entity


def test_a_stale_index_never_shows_a_playlist_made_private_or_a_track_unpublished(world):
    public, _ = world["playlists"]
    ready = world["tracks"][0]
    stale_playlists = hits_from_response("playlist", _es_response([public]))
    stale_tracks = hits_from_response("track", _es_response([ready]))
    # The rows change; the index is not told (yet).
    Playlist.objects.filter(pk=public.pk).update(is_public=False)
    Track.objects.filter(pk=ready.pk).update(processing_status=ProcessingStatus.FAILED)

    stranger = UserFactory()
    for user in (None, stranger):
        assert hits_visible(hits=stale_playlists, user=user) == []
        assert hits_hydrate(hits=stale_tracks, user=user) == []
    assert [h.id for h in hits_visible(hits=stale_playlists, user=public.owner)] == [public.pk]
    assert [h.id for h in hits_visible(hits=stale_tracks, user=world["viewers"]["admin"])] == [ready.pk]


def test_search_run_filters_what_the_backend_returned(world, settings):
    """The service, not the backend, has the last word: search_run drops hidden rows before paging."""
    settings.SEARCH_BACKEND = "postgres"
    listener = world["viewers"]["listener"]
    request = search_request_build(entity="playlist", query=WORD, user=listener)
    assert {h.id for h in search_run(request=request, announce=False)} == {p.pk for p in world["playlists"]}
    other = search_request_build(entity="playlist", query=WORD, user=UserFactory())
    assert {h.id for h in search_run(request=other, announce=False)} == {world["playlists"][0].pk}


def test_cached_album_and_artist_pages_never_serve_one_viewer_what_another_may_see(world):
    released, unfinished, _ = world["albums"]
    mine, failing = world["artists"]
    artist_user, admin = world["viewers"]["artist"], world["viewers"]["admin"]
    anonymous, listener = client_for(), client_for(world["viewers"]["listener"])
    # The artist and the admin read first: their answers must not fill the shared entries.
    assert client_for(artist_user).get(f"{V1}/albums/{unfinished.pk}").status_code == 200
    assert client_for(admin).get(f"{V1}/artists/{failing.pk}").status_code == 200
    assert client_for(artist_user).get(f"{V1}/artists/{mine.pk}").json()["track_count"] == 2
    for _ in range(2):  # the second read comes from the cache
        assert anonymous.get(f"{V1}/albums/{unfinished.pk}").status_code == 404
        assert listener.get(f"{V1}/artists/{failing.pk}").status_code == 404
        assert anonymous.get(f"{V1}/artists/{mine.pk}").json()["track_count"] == 1
        assert [t["id"] for t in listener.get(f"{V1}/albums/{released.pk}").json()["tracks"]] == [world["tracks"][0].pk]
    assert client_for(artist_user).get(f"{V1}/artists/{mine.pk}").json()["track_count"] == 2
    popular = _ids(anonymous.get(f"{V1}/tracks/popular/"))
    assert popular == _visible_ids(Track, None)
