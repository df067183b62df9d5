"""Staff curate the catalog in admin: every action, then the database, search and the REST API agree."""
from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Album, Artist, Genre, Track
from playlists.models import PlaylistTrack
from tests.factories import (AlbumFactory, ArtistFactory, GenreFactory, PlaylistFactory, PlaylistTrackFactory,
                             TrackFactory)

from .conftest import changelist, run_action

pytestmark = pytest.mark.django_db


def _search(kind: str, q: str) -> list[str]:
    response = APIClient().get(f"/api/v1/search/{kind}", {"q": q})
    assert response.status_code == 200, response.content
    return [r.get("title") or r.get("name") for r in response.json()["results"]]


def _api(path: str, user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(path)


# --- merge artists -------------------------------------------------------------------------


def test_merge_artists_asks_first_then_moves_everything_and_keeps_the_name_as_alias(staff_client, staff):
    keep = ArtistFactory(name="Aurora Fields")
    dup = ArtistFactory(name="Aurora Feelds Duplicate")
    album = AlbumFactory(artist=dup, title="Northern Songs")
    moved = TrackFactory(artist=dup, album=album, title="Quiet Harbour")
    TrackFactory(artist=keep, title="Open Sky")

    # given the confirmation page, nothing changed yet
    page = run_action(staff_client, Artist, "merge_artists", [keep, dup], confirm=False)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Merge duplicate artists" in body and "Aurora Feelds Duplicate" in body and 'name="keep"' in body
    assert Artist.objects.filter(pk=dup.pk).exists()

    # when staff confirm, keeping the first one
    response = run_action(staff_client, Artist, "merge_artists", [keep, dup], keep=str(keep.pk))
    assert response.status_code == 302

    # then the duplicate is gone, its album and tracks belong to the kept artist
    assert not Artist.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert keep.aliases == ["Aurora Feelds Duplicate"]
    assert Album.objects.get(pk=album.pk).artist_id == keep.pk
    assert Track.objects.get(pk=moved.pk).artist_id == keep.pk
    # search still finds the artist by the duplicate's name (and with a typo in it)
    assert _search("artists", "Feelds Duplicate") == ["Aurora Fields"]
    assert _search("tracks", "Quiet Harbour") == ["Quiet Harbour"]
    # the API shows the move
    assert _api(f"/api/v1/tracks/{moved.pk}").json()["artist"]["id"] == keep.pk
    assert _api(f"/api/v1/artists/{dup.pk}").status_code == 404
    # and the admin log has it
    assert LogEntry.objects.filter(object_id=str(keep.pk), action_flag=CHANGE, user=staff).exists()


def test_merging_two_artists_of_two_accounts_is_refused_and_changes_nothing(staff_client):
    from tests.factories import ArtistUserFactory

    a = ArtistFactory(name="One", user=ArtistUserFactory())
    b = ArtistFactory(name="Two", user=ArtistUserFactory())
    track = TrackFactory(artist=b)
    response = run_action(staff_client, Artist, "merge_artists", [a, b], keep=str(a.pk))
    assert response.status_code == 302
    assert Artist.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert Track.objects.get(pk=track.pk).artist_id == b.pk
    follow = staff_client.get(response.url)
    assert "belongs to an account" in follow.content.decode()


def test_merge_needs_a_valid_choice_of_the_one_to_keep(staff_client):
    a, b, other = ArtistFactory(), ArtistFactory(), ArtistFactory()
    response = run_action(staff_client, Artist, "merge_artists", [a, b], keep=str(other.pk))
    assert response.status_code == 200  # the confirmation page again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert Artist.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


# --- merge albums --------------------------------------------------------------------------


def test_merge_albums_moves_tracks_and_deletes_the_duplicate(staff_client):
    artist = ArtistFactory(name="Copper Coast")
    keep = AlbumFactory(artist=artist, title="Tides", release_date=None)
    dup = AlbumFactory(artist=artist, title="Tides (dup)", release_date="2001-05-01")
    t1 = TrackFactory(artist=artist, album=dup, title="Low Water")
    response = run_action(staff_client, Album, "merge_albums", [keep, dup], keep=str(keep.pk))
    assert response.status_code == 302
    assert not Album.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert str(keep.release_date) == "2001-05-01"
    assert Track.objects.get(pk=t1.pk).album_id == keep.pk
    assert _api(f"/api/v1/tracks/{t1.pk}").json()["album"]["id"] == keep.pk
    assert _search("albums", "Tides") == ["Tides"]  # the duplicate left the index


def test_albums_of_two_artists_are_not_merged(staff_client):
    a = AlbumFactory(artist=ArtistFactory())
    b = AlbumFactory(artist=ArtistFactory())
    run_action(staff_client, Album, "merge_albums", [a, b], keep=str(a.pk))
    assert Album.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


# --- tracks ----------------------------------------------------------------------------------


def test_set_genre_replaces_the_models_guess(staff_client):
    jazz = GenreFactory(name="Jazz")
    t = TrackFactory(title="Blue Hour", genre=GenreFactory(name="Rock"), genre_confidence=0.4)
    response = run_action(staff_client, Track, "set_genre", [t], genre=str(jazz.pk))
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.genre_id, t.genre_confidence) == (jazz.pk, None)
    assert _api(f"/api/v1/tracks/{t.pk}").json()["genre"]["name"] == "Jazz"
    assert _search("tracks", "blue hour jazz") == ["Blue Hour"]  # the genre is in the track's search text


def test_set_genre_with_an_unknown_genre_changes_nothing(staff_client):
    t = TrackFactory(genre=None)
    response = run_action(staff_client, Track, "set_genre", [t], genre="999999")
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    t.refresh_from_db()
    assert t.genre_id is None


def test_move_tracks_to_another_album_of_the_artist(staff_client):
    artist = ArtistFactory()
    old, new = AlbumFactory(artist=artist), AlbumFactory(artist=artist, title="Second Light")
    t = TrackFactory(artist=artist, album=old, title="Moving Day")
    response = run_action(staff_client, Track, "move_to_album", [t], album=str(new.pk))
    assert response.status_code == 302
    assert Track.objects.get(pk=t.pk).album_id == new.pk
    assert _api(f"/api/v1/tracks/{t.pk}").json()["album"]["title"] == "Second Light"
    assert _search("tracks", "moving day second light") == ["Moving Day"]


def test_moving_a_track_to_another_artists_album_is_refused(staff_client):
    t = TrackFactory(album=None)
    foreign = AlbumFactory(artist=ArtistFactory())
    run_action(staff_client, Track, "move_to_album", [t], album=str(foreign.pk))
    assert Track.objects.get(pk=t.pk).album_id is None


def test_hide_and_show_a_track(staff_client, staff, django_capture_on_commit_callbacks):
    artist = ArtistFactory(name="Delta Nine")
    hidden = TrackFactory(artist=artist, title="Secret Signal", popularity=5)
    kept = TrackFactory(artist=artist, title="Public Signal", popularity=1)
    playlist = PlaylistFactory(is_public=True)
    PlaylistTrackFactory(playlist=playlist, track=kept, position=0)
    PlaylistTrackFactory(playlist=playlist, track=hidden, position=1)
    third = TrackFactory(artist=artist, title="Third Signal")
    PlaylistTrackFactory(playlist=playlist, track=third, position=2)

    with django_capture_on_commit_callbacks(execute=True):  # the caches are dropped on commit, as in production
        assert run_action(staff_client, Track, "hide", [hidden]).status_code == 302
    assert Track.objects.get(pk=hidden.pk).hidden is True
    # out of listings, details and search for listeners
    assert _api(f"/api/v1/tracks/{hidden.pk}").status_code == 404
    listed = [t["id"] for t in _api(f"/api/v1/tracks/?artist={artist.pk}").json()["results"]]
    assert hidden.pk not in listed and kept.pk in listed
    assert "Secret Signal" not in _search("tracks", "Secret Signal")
    # the playlist keeps the entry, positions stay dense
    positions = list(PlaylistTrack.objects.filter(playlist=playlist).order_by("position")
                     .values_list("track_id", "position"))
    assert positions == [(kept.pk, 0), (hidden.pk, 1), (third.pk, 2)]
    # an admin still sees it
    assert _api(f"/api/v1/tracks/{hidden.pk}", user=staff).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert run_action(staff_client, Track, "show", [hidden]).status_code == 302
    assert Track.objects.get(pk=hidden.pk).hidden is False
    assert _api(f"/api/v1/tracks/{hidden.pk}").status_code == 200
    assert _search("tracks", "Secret Signal")[0] == "Secret Signal"


def test_reindex_action_rebuilds_search_entries(staff_client, django_capture_on_commit_callbacks):
    from django.db import connection

    t = TrackFactory(title="Stale Entry")
    with connection.cursor() as cursor:  # a search entry lost (the trigger fires only on the named columns)
        cursor.execute("UPDATE tracks SET search_vector = NULL, search_text = NULL WHERE id = %s", [t.pk])
    assert _search("tracks", "Stale Entry") == []
    with django_capture_on_commit_callbacks(execute=True):  # the re-index drops the cached rankings on commit
        assert run_action(staff_client, Track, "reindex_selected", [t]).status_code == 302
    assert _search("tracks", "Stale Entry") == ["Stale Entry"]


def test_reprocess_action_queues_each_track_after_commit(staff_client, django_capture_on_commit_callbacks):
    t = TrackFactory(file_path="tracks/a.mp3")
    no_file = TrackFactory(file_path="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = run_action(staff_client, Track, "reprocess", [t, no_file])
    assert response.status_code == 302
    assert len(callbacks) == 1  # one send of the queued ids
    follow = staff_client.get(response.url).content.decode()
    assert "Queued 1 track for re-processing" in follow


def test_track_reprocess_rereads_the_file(local_bucket):
    """The service the task runs: tags, features and duration come from the stored file again."""
    from catalog.curation import track_reprocess
    from tests.audio import make_audio
    from tests.etl.conftest import drop

    checksum = drop("tracks/re.flac", make_audio("flac", duration_s=2.0,
                                                 tags={"title": "From The Tag", "genre": "Jazz", "tracknumber": "4"}))
    t = TrackFactory(title="Typed By Hand", file_path="tracks/re.flac", checksum=checksum, tempo=None, duration_ms=5)
    t = track_reprocess(track_id=t.pk)
    assert (t.title, t.track_number) == ("From The Tag", 4)
    assert t.genre.name == "Jazz" and t.genre_confidence is None
    assert t.tempo is not None and t.energy is not None
    assert 1900 <= t.duration_ms <= 2100
    assert t.processing_status == "ready"
    assert _search("tracks", "From The Tag") == ["From The Tag"]


def test_track_reprocess_of_a_missing_file_fails_the_track_with_the_reason(local_bucket):
    from catalog.curation import track_reprocess

    t = TrackFactory(title="Gone", file_path="tracks/nowhere.mp3")
    t = track_reprocess(track_id=t.pk)
    assert t.processing_status == "failed" and "no longer in storage" in t.processing_error
    assert t.title == "Gone"


def test_edit_in_admin_is_visible_at_once_in_api_and_search(staff_client):
    artist = ArtistFactory(name="Echo Park")
    other = ArtistFactory(name="Fable")
    t = TrackFactory(artist=artist, title="Zephyrine", file_path="tracks/old.mp3")
    url = reverse("admin:catalog_track_change", args=[t.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<audio" in body and "token=" in body  # the signed player
    response = staff_client.post(url, {
        "title": "Brand New Title", "artist": str(other.pk), "album": "", "genre": "", "disc_number": "",
        "track_number": "3", "duration_ms": "200000", "isrc": "", "musicbrainz_recording_id": "",
        "album_artist_name": "", "lyrics": "", "synced_lyrics": "", "_save": "Save",
    })
    assert response.status_code == 302, __import__("re").findall(r"errorlist.{0,300}", response.content.decode(), 16)
    t.refresh_from_db()
    assert (t.title, t.artist_id, t.track_number) == ("Brand New Title", other.pk, 3)
    detail = _api(f"/api/v1/tracks/{t.pk}").json()
    assert detail["title"] == "Brand New Title" and detail["artist"]["id"] == other.pk
    assert _search("tracks", "Brand New Title") == ["Brand New Title"]
    assert _search("tracks", "Zephyrine") == []


def test_an_invalid_edit_shows_the_error_and_saves_nothing(staff_client):
    t = TrackFactory(title="Keep Me")
    url = reverse("admin:catalog_track_change", args=[t.pk])
    response = staff_client.post(url, {"title": "", "artist": str(t.artist_id), "duration_ms": "-5", "_save": "Save"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Track.objects.get(pk=t.pk).title == "Keep Me"


def test_deleting_a_track_in_admin_keeps_playlist_positions_dense(staff_client):
    playlist = PlaylistFactory()
    tracks = [TrackFactory() for _ in range(3)]
    for i, t in enumerate(tracks):
        PlaylistTrackFactory(playlist=playlist, track=t, position=i)
    url = reverse("admin:catalog_track_delete", args=[tracks[0].pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert list(PlaylistTrack.objects.filter(playlist=playlist).order_by("position")
                .values_list("track_id", "position")) == [(tracks[1].pk, 0), (tracks[2].pk, 1)]


def test_album_page_lists_its_tracks_in_order_and_autocomplete_works(staff_client):
    album = AlbumFactory(title="Ordered")
    TrackFactory(artist=album.artist, album=album, title="Second", disc_number=1, track_number=2)
    TrackFactory(artist=album.artist, album=album, title="First", disc_number=1, track_number=1)
    body = staff_client.get(reverse("admin:catalog_album_change", args=[album.pk])).content.decode()
    assert body.index("First") < body.index("Second")
    found = staff_client.get(reverse("admin:autocomplete"), {
        "term": "Ordered", "app_label": "catalog", "model_name": "track", "field_name": "album"}).json()
    assert [r["text"] for r in found["results"]] == ["Ordered"]


@pytest.mark.parametrize("model", [Artist, Album, Track, Genre])
def test_changelists_render_with_filters(staff_client, model):
    GenreFactory(name="Ambient")
    TrackFactory(album=AlbumFactory())
    assert staff_client.get(changelist(model)).status_code == 200
    if model is Track:
        for query in ("processing_status__exact=ready", "hidden__exact=1", "has_features=no", "o=1", "q=Track"):
            assert staff_client.get(changelist(model) + "?" + query).status_code == 200, query


def test_hidden_follows_the_one_visibility_rule(staff):
    """visible_to: listeners and anonymous lose a hidden track (and an artist/album left with nothing
    visible); its own artist account and admins keep it."""
    from django.contrib.auth.models import AnonymousUser

    from catalog import curation as services
    from tests.factories import ArtistUserFactory, UserFactory

    owner = ArtistUserFactory()
    artist = ArtistFactory(user=owner)
    album = AlbumFactory(artist=artist)
    t = TrackFactory(artist=artist, album=album)
    assert services.tracks_hidden_set(actor=staff, track_ids=[t.pk], hidden=True) == 1
    assert services.tracks_hidden_set(actor=staff, track_ids=[t.pk], hidden=True) == 0  # already hidden
    for viewer in (AnonymousUser(), UserFactory()):
        assert not Track.objects.visible_to(viewer).filter(pk=t.pk).exists()
        assert not Album.objects.visible_to(viewer).filter(pk=album.pk).exists()
        assert not Artist.objects.visible_to(viewer).filter(pk=artist.pk).exists()
    assert Track.objects.visible_to(owner).filter(pk=t.pk).exists()
    assert Track.objects.visible_to(staff).filter(pk=t.pk).exists()


def test_curation_services_refuse_non_admins():
    from django.core.exceptions import PermissionDenied

    from catalog import curation as services
    from tests.factories import ArtistUserFactory

    owner = ArtistUserFactory()
    artist = ArtistFactory(user=owner)
    t = TrackFactory(artist=artist)
    for call in (lambda: services.tracks_hidden_set(actor=owner, track_ids=[t.pk], hidden=True),
                 lambda: services.artist_merge(actor=owner, keep=artist, duplicates=[ArtistFactory()]),
                 lambda: services.tracks_genre_set(actor=owner, track_ids=[t.pk], genre=None),
                 lambda: services.tracks_reprocess_enqueue(actor=owner, track_ids=[t.pk])):
        with pytest.raises(PermissionDenied):
            call()
    assert Track.objects.get(pk=t.pk).hidden is False


def test_merging_artists_moves_their_credits_too(staff_client):
    """A duplicate credited as featured artist (or on an album) hands the credit to the kept artist,
    once: where both were credited, one credit remains."""
    from catalog.models import AlbumArtist, CreditRole, TrackArtist
    from catalog.selectors import track_display_artist
    from tests.catalog.test_credits import credited_album, credited_track

    main, keep, dup = ArtistFactory(name="Lead Singer"), ArtistFactory(name="Guest Star"), ArtistFactory(name="Guest Starr")
    album = credited_album(main, dup, title="Duets")
    featured = credited_track(main, (dup, CreditRole.FEATURED), title="Feature Song", album=album)
    both = credited_track(main, (keep, CreditRole.FEATURED), (dup, CreditRole.FEATURED), title="Both Credited")

    assert run_action(staff_client, Artist, "merge_artists", [keep, dup], keep=str(keep.pk)).status_code == 302

    assert not TrackArtist.objects.filter(artist_id=dup.pk).exists() and not AlbumArtist.objects.filter(artist_id=dup.pk).exists()
    assert track_display_artist(Track.objects.get(pk=featured.pk)) == "Lead Singer feat. Guest Star"
    assert track_display_artist(Track.objects.get(pk=both.pk)) == "Lead Singer feat. Guest Star"
    assert list(AlbumArtist.objects.filter(album=album).order_by("position").values_list("artist__name", flat=True)) == [
        "Lead Singer", "Guest Star"]
    names = [a["name"] for a in _api(f"/api/v1/tracks/{featured.pk}").json()["artists"]]
    assert names == ["Lead Singer", "Guest Star"]
    assert "Feature Song" in _search("tracks", "Guest Star")
