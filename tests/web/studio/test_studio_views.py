"""The studio pages without a browser: roles, ownership (another artist's id → 404), edits through the
catalog services, bad input refused with nothing changed, fixed query counts."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Album, Track
from etl.models import TrackUpload
from playlists.models import PlaylistTrack
from tests.audio import make_image
from tests.factories import (AlbumFactory, FavoriteFactory, GenreFactory, PlaylistFactory, PlaylistTrackFactory,
                             TrackFactory)

pytestmark = pytest.mark.django_db


def test_the_studio_is_for_artists(client, listener, artist_user):
    # anonymous → login; a listener → 403 (the HTML error page); an artist → 200 with the nav link
    assert client.get("/studio/").status_code == 302
    client.force_login(listener)
    assert client.get("/studio/").status_code == 403
    assert 'href="/studio/"' not in client.get("/").content.decode()
    client.force_login(artist_user)
    page = client.get("/studio/")
    assert page.status_code == 200
    assert 'href="/studio/"' in page.content.decode() and 'id="upload-drop"' in page.content.decode()


def test_another_artists_things_answer_404(artist_client, other_artist):
    theirs = TrackFactory(artist=other_artist, title="Not yours")
    album = AlbumFactory(artist=other_artist)
    for url in (f"/studio/tracks/{theirs.pk}/edit", f"/studio/tracks/{theirs.pk}/delete",
                f"/studio/albums/{album.pk}/edit", f"/studio/albums/{album.pk}/delete"):
        assert artist_client.get(url).status_code == 404, url
        assert artist_client.post(url, {"title": "Mine now"}).status_code == 404, url
    assert artist_client.post(f"/studio/tracks/{theirs.pk}/cover", {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Not yours" and Album.objects.filter(pk=album.pk).exists()


def test_my_tracks_lists_only_mine_with_status_and_plays(artist_client, artist, other_artist,
                                                         django_assert_max_num_queries):
    from tests.factories import ListenFactory

    mine = [TrackFactory(artist=artist, title=f"Mine {i}", album=AlbumFactory(artist=artist)) for i in range(12)]
    TrackFactory(artist=artist, title="Still failing", processing_status="failed")
    TrackFactory(artist=other_artist, title="Theirs")
    for _ in range(3):
        ListenFactory(track=mine[0])
    with django_assert_max_num_queries(8):  # session, user, artist, one page query (+ savepoints)
        page = artist_client.get("/studio/tracks")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mine 11" in html and "Still failing" in html and "Theirs" not in html
    row = html.split(f'data-track-id="{mine[0].pk}"')[1].split("</tr>")[0]
    assert ">3<" in row and "Playable" in row


def test_editing_a_track_goes_through_the_service(artist_client, artist):
    album = AlbumFactory(artist=artist, title="First light")
    genre = GenreFactory(name="Ambient")
    track = TrackFactory(artist=artist, title="Untitled 3")
    response = artist_client.post(f"/studio/tracks/{track.pk}/edit", {
        "title": "Morning Tide", "album": album.pk, "genre": genre.pk, "track_number": "2", "disc_number": "1"})
    assert response.status_code == 302
    track.refresh_from_db()
    assert (track.title, track.album_id, track.genre_id, track.track_number, track.disc_number) == (
        "Morning Tide", album.pk, genre.pk, 2, 1)


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 300}, "title"),
    ({"title": "Ok", "track_number": "-1"}, "track_number"),
    ({"title": "Ok", "track_number": "99999999999"}, "track_number"),
    ({"title": "Ok", "disc_number": "two"}, "disc_number"),
])
def test_bad_track_edits_are_refused_and_change_nothing(artist_client, artist, data, field):
    track = TrackFactory(artist=artist, title="Keep me", track_number=4)
    response = artist_client.post(f"/studio/tracks/{track.pk}/edit", data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    track.refresh_from_db()
    assert (track.title, track.track_number) == ("Keep me", 4)


def test_another_artists_album_cannot_be_chosen(artist_client, artist, other_artist):
    track = TrackFactory(artist=artist, title="Keep me")
    theirs = AlbumFactory(artist=other_artist)
    response = artist_client.post(f"/studio/tracks/{track.pk}/edit", {"title": "Keep me", "album": theirs.pk})
    assert response.status_code == 400
    track.refresh_from_db()
    assert track.album_id is None


def test_creating_an_album_with_a_cover(artist_client, artist, local_storage):
    cover = SimpleUploadedFile("cover.png", make_image(1200, 900, fmt="PNG"), content_type="image/png")
    response = artist_client.post("/studio/albums/new", {"title": "Night Drive", "release_date": "2026-05-01",
                                                         "cover": cover})
    assert response.status_code == 302, response.content.decode()[:2000]
    album = Album.objects.get(title="Night Drive")
    assert album.artist_id == artist.pk and str(album.release_date) == "2026-05-01"
    from PIL import Image

    with album.cover_image.open("rb") as handle:
        image = Image.open(handle)
        assert image.format == "JPEG" and max(image.size) == 600  # re-encoded, bounded
    assert "Night Drive" in artist_client.get("/studio/albums").content.decode()


@pytest.mark.parametrize("payload, message", [
    (b"not an image at all", "not a readable image"),
    (None, "claims"),  # a decompression bomb by its header
])
def test_a_bad_cover_leaves_no_album_behind(artist_client, artist, local_storage, payload, message):
    if payload is None:
        from PIL import Image
        import io

        buffer = io.BytesIO()
        Image.new("1", (9000, 9000)).save(buffer, format="PNG")  # 81 M pixels > COVER_MAX_PIXELS, small file
        payload = buffer.getvalue()
    response = artist_client.post("/studio/albums/new", {"title": "Broken", "cover": SimpleUploadedFile("c.png", payload)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Album.objects.filter(title="Broken").exists()


def test_a_cover_over_the_size_limit_is_refused(artist_client, artist, local_storage, settings):
    settings.UPLOAD_COVER_MAX_BYTES = 1000
    response = artist_client.post("/studio/albums/new", {"title": "Big", "cover": SimpleUploadedFile("c.jpg", b"x" * 2000)})
    assert response.status_code == 400 and "limit" in response.content.decode()
    assert not Album.objects.filter(title="Big").exists()


def test_deleting_a_track_says_what_goes_and_empties_the_playlists(artist_client, artist, listener):
    track = TrackFactory(artist=artist, title="Short lived")
    keep = TrackFactory(artist=artist, title="Stays")
    playlist = PlaylistFactory(owner=listener)
    PlaylistTrackFactory(playlist=playlist, track=keep, position=0)
    PlaylistTrackFactory(playlist=playlist, track=track, position=1)
    FavoriteFactory(user=listener, track=track)
    confirm = artist_client.get(f"/studio/tracks/{track.pk}/delete").content.decode()
    assert "1 playlist entry" in confirm and "in 1 playlist" in confirm and "1 listener" in confirm
    assert Track.objects.filter(pk=track.pk).exists()  # a GET deletes nothing
    assert artist_client.post(f"/studio/tracks/{track.pk}/delete").status_code == 302
    assert not Track.objects.filter(pk=track.pk).exists()
    assert list(PlaylistTrack.objects.filter(playlist=playlist).values_list("track_id", "position")) == [(keep.pk, 0)]


def test_deleting_an_album_takes_its_tracks(artist_client, artist, listener):
    album = AlbumFactory(artist=artist, title="Gone")
    tracks = [TrackFactory(artist=artist, album=album) for _ in range(2)]
    single = TrackFactory(artist=artist)
    PlaylistTrackFactory(playlist=PlaylistFactory(owner=listener), track=tracks[0], position=0)
    confirm = artist_client.get(f"/studio/albums/{album.pk}/delete").content.decode()
    assert "2 tracks on this album" in confirm and "1 playlist entry" in confirm
    assert artist_client.post(f"/studio/albums/{album.pk}/delete").status_code == 302
    assert not Album.objects.filter(pk=album.pk).exists()
    assert list(Track.objects.filter(artist=artist).values_list("pk", flat=True)) == [single.pk]


def test_upload_status_is_only_the_uploaders(artist_client, artist_user, other_artist):
    mine = TrackUpload.objects.create(uploader=artist_user, original_filename="a.mp3", s3_path="x/a.mp3")
    theirs = TrackUpload.objects.create(uploader=other_artist.user, original_filename="b.mp3", s3_path="x/b.mp3")
    fragment = artist_client.get(f"/studio/uploads/{mine.pk}/status")
    assert fragment.status_code == 200 and 'hx-trigger="every 1s"' in fragment.content.decode()
    assert artist_client.get(f"/studio/uploads/{theirs.pk}/status").status_code == 404


def test_a_failed_upload_shows_its_reason_and_stops_polling(artist_client, artist_user):
    upload = TrackUpload.objects.create(uploader=artist_user, original_filename="a.mp3", s3_path="x/a.mp3",
                                        status="failed", error_message="The MP3 file cannot be decoded (no frames).")
    html = artist_client.get(f"/studio/uploads/{upload.pk}/status").content.decode()
    assert "The MP3 file cannot be decoded" in html and "hx-trigger" not in html


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1/song.mp3", "loopback"),
    ("ftp://example.com/song.mp3", ""),
    ("", ""),
])
def test_a_refused_url_is_a_clear_error_and_queues_nothing(artist_client, artist_user, url, message):
    response = artist_client.post("/studio/uploads/from-url", {"url": url}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    body = response.content.decode()
    assert "That URL cannot be used" in body and message in body.lower()
    assert not TrackUpload.objects.filter(uploader=artist_user).exists()


def test_the_studio_speaks_russian(client, artist_user, artist):
    TrackFactory(artist=artist, title="Песня")
    client.force_login(artist_user)
    upload = client.get("/studio/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Перетащите аудиофайлы сюда" in upload and "Мои треки" in upload and "Студия" in upload
    track = Track.objects.get(title="Песня")
    confirm = client.get(f"/studio/tracks/{track.pk}/delete", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "0 записей в плейлистах" in confirm


def test_my_albums_costs_the_same_queries_for_many_albums(artist_client, artist, django_assert_max_num_queries):
    for index in range(30):
        album = AlbumFactory(artist=artist, title=f"Album {index}")
        TrackFactory(artist=artist, album=album)
    with django_assert_max_num_queries(8):
        page = artist_client.get("/studio/albums")
    assert page.status_code == 200 and page.content.decode().count("data-album-id=") == 30


def test_my_tracks_pages_by_keyset(artist_client, artist):
    from catalog.selectors import STUDIO_PAGE_SIZE

    for index in range(STUDIO_PAGE_SIZE + 5):
        TrackFactory(artist=artist, title=f"Take {index:02d}")
    first = artist_client.get("/studio/tracks").content.decode()
    assert first.count("<tr data-track-id=") == STUDIO_PAGE_SIZE and 'id="studio-track-more"' in first
    after = first.split('hx-get="/studio/tracks?after=')[1].split('"')[0]
    more = artist_client.get(f"/studio/tracks?after={after}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="studio-track-more")
    html = more.content.decode()
    assert html.count("<tr data-track-id=") == 5 and "<html" not in html and "studio-track-more" not in html


def test_replacing_a_tracks_cover(artist_client, artist, local_storage):
    from catalog.covers import cover_exists

    track = TrackFactory(artist=artist)
    refused = artist_client.post(f"/studio/tracks/{track.pk}/cover", {"cover": SimpleUploadedFile("c.gif", b"GIF89a nope")})
    assert refused.status_code == 400 and "not a readable image" in refused.content.decode()
    assert not cover_exists(track_id=track.pk, size=64)
    cover = SimpleUploadedFile("c.jpg", make_image(700, 700), content_type="image/jpeg")
    assert artist_client.post(f"/studio/tracks/{track.pk}/cover", {"cover": cover}).status_code == 302
    assert all(cover_exists(track_id=track.pk, size=size) for size in (64, 300, 600))


def test_a_duplicate_names_the_track_it_matches(artist_client, artist_user, artist):
    track = TrackFactory(artist=artist, title="Harbour Lights")
    upload = TrackUpload.objects.create(uploader=artist_user, original_filename="again.mp3", s3_path=track.file_path,
                                        status="done", track=track, metadata={"duplicate_of_track": track.pk})
    html = artist_client.get(f"/studio/uploads/{upload.pk}/status").content.decode()
    assert "Already uploaded" in html and "“Harbour Lights”" in html and "hx-trigger" not in html
    assert f'href="/studio/tracks/{track.pk}/edit"' in html


def test_listeners_cannot_queue_url_uploads(client, listener):
    client.force_login(listener)
    assert client.post("/studio/uploads/from-url", {"url": "https://93.184.216.34/a.mp3"}).status_code == 403
    assert not TrackUpload.objects.exists()
