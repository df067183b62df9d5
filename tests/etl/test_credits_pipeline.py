"""Credited artists from every tag flavour, through the real pipeline (files dropped into the bucket, and an
artist's upload): ordered TrackArtist rows with roles, the album's own artists apart from the tracks'."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from mutagen.apev2 import APEv2
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TALB, TCMP, TIT2, TPE1, TPE2, TXXX
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from catalog.audio import read_tags
from catalog.models import Album, AlbumArtist, Artist, Track, TrackArtist
from etl.pipeline.run import run_pipeline
from etl.services import upload_process
from tests.audio import extension, make_audio
from tests.etl.conftest import drop
from tests.storage.conftest import artist_client, artist_of, artist_user  # noqa: F401 (fixtures)
from tests.storage.helpers import post_upload

pytestmark = pytest.mark.django_db

MAIN, FEAT, VARIOUS = "Café Tacvba", "Ana Tijoux", "Various Artists"
CREDIT = f"{MAIN} feat. {FEAT} & Mon Laferte"  # the display string a tagger writes
ARTISTS = [MAIN, FEAT, "Mon Laferte"]  # the multi-value ARTISTS tag: one name a value


def _id3(path: Path, *, version: int, title: str, album: str, album_artists: list[str]) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text=CREDIT))
    tags.add(TALB(encoding=3, text=album))
    tags.add(TPE2(encoding=3, text=album_artists))
    tags.add(TCMP(encoding=3, text="1"))
    tags.add(TXXX(encoding=3, desc="ARTISTS", text=ARTISTS))
    if version == 3:
        tags.save(path, v2_version=3, v23_sep="/")  # how Picard writes v2.3: values joined with "/"
    else:
        tags.save(path, v2_version=4)  # null separators


def _vorbis(audio, *, title: str, album: str, album_artists: list[str]) -> None:
    audio["title"], audio["artist"], audio["album"] = [title], [CREDIT], [album]
    audio["artists"], audio["albumartist"], audio["compilation"] = ARTISTS, album_artists, ["1"]
    audio.save()


def tagged(fmt: str, *, title: str, album: str = "Re", album_artists: list[str] | None = None,
           freq: float = 440.0) -> bytes:
    """A real file of `fmt` carrying several artists the way that format's taggers write them."""
    album_artists = album_artists or [VARIOUS]
    base = fmt.split("-")[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x.{extension(base)}"
        path.write_bytes(make_audio(base, duration_s=1.0, freq=freq))
        if fmt in ("mp3-v23", "mp3-v24"):
            _id3(path, version=3 if fmt == "mp3-v23" else 4, title=title, album=album, album_artists=album_artists)
        elif fmt == "flac":
            _vorbis(FLAC(path), title=title, album=album, album_artists=album_artists)
        elif fmt == "vorbis":
            _vorbis(OggVorbis(path), title=title, album=album, album_artists=album_artists)
        elif fmt == "opus":
            _vorbis(OggOpus(path), title=title, album=album, album_artists=album_artists)
        elif fmt == "m4a":
            audio = MP4(path)
            audio["\xa9nam"], audio["\xa9ART"], audio["\xa9alb"] = [title], [CREDIT], [album]
            audio["aART"], audio["cpil"] = album_artists, True
            audio["----:com.apple.iTunes:ARTISTS"] = [MP4FreeForm(name.encode()) for name in ARTISTS]
            audio.save()
        elif fmt == "wavpack":
            audio = APEv2()
            audio["Title"], audio["Artist"], audio["Album"] = title, CREDIT, album
            audio["Artists"], audio["Album Artist"] = ARTISTS, album_artists  # APEv2 lists: null-separated
            audio.save(path)
        else:
            raise AssertionError(fmt)
        return path.read_bytes()


FLAVOURS = ["mp3-v23", "mp3-v24", "flac", "vorbis", "opus", "m4a", "wavpack"]


def credits_of(track: Track) -> list[tuple[str, str]]:
    return [(c.artist.name, c.role) for c in TrackArtist.objects.filter(track=track).select_related("artist").order_by("position")]


@pytest.mark.parametrize("fmt", FLAVOURS)
def test_every_tag_flavour_gives_every_credited_artist_in_order(tmp_path, fmt):
    path = tmp_path / "f"
    path.write_bytes(tagged(fmt, title="Eres"))
    tags = read_tags(path)
    assert tags["artists"] == [{"name": MAIN, "role": "main"}, {"name": FEAT, "role": "featured"},
                               {"name": "Mon Laferte", "role": "featured"}]
    assert (tags["artist"], tags["featured_artists"]) == (MAIN, [FEAT, "Mon Laferte"])
    assert tags["album_artists"] == [VARIOUS] and tags["album_artist"] == VARIOUS


@pytest.mark.parametrize("fmt", FLAVOURS)
def test_a_dropped_file_of_each_flavour_is_credited_to_all_its_artists(local_bucket, fmt):
    drop(f"in/{fmt}.{extension(fmt.split('-')[0])}", tagged(fmt, title="Eres"))

    job = run_pipeline()

    assert job.records_processed == 1
    track = Track.objects.select_related("artist", "album__artist").get()
    assert track.artist.name == MAIN  # the main artist stays the track's owner (`artist` in the API)
    assert credits_of(track) == [(MAIN, "main"), (FEAT, "featured"), ("Mon Laferte", "featured")]
    # the album belongs to its own artist, not to the track's
    assert track.album.artist.name == VARIOUS
    assert list(AlbumArtist.objects.filter(album=track.album).values_list("artist__name", flat=True)) == [VARIOUS]
    assert set(Artist.objects.values_list("name", flat=True)) == {MAIN, FEAT, "Mon Laferte", VARIOUS}


def test_a_compilation_of_two_artists_is_one_album_and_rerunning_duplicates_nothing(local_bucket):
    drop("c/1.flac", tagged("flac", title="One", album="Hits", freq=330))
    other = tagged("m4a", title="Two", album="Hits", freq=550)
    drop("c/2.m4a", other)
    run_pipeline()
    drop("c/2-copy.m4a", other)  # the same bytes again: no new track, no new credits
    run_pipeline()

    album = Album.objects.get()
    assert album.artist.name == VARIOUS and album.tracks.count() == 2
    assert TrackArtist.objects.count() == 6 and AlbumArtist.objects.count() == 1
    assert Artist.objects.filter(name__iexact=MAIN).count() == 1  # found, not created twice


def test_several_album_artists_keep_their_order(local_bucket):
    drop("d/1.flac", tagged("flac", title="Duet", album="Together", album_artists=["Simon & Garfunkel", "Paul Simon"]))
    run_pipeline()
    album = Album.objects.get()
    assert album.artist.name == "Simon & Garfunkel"  # "&" never splits a name
    assert list(AlbumArtist.objects.filter(album=album).order_by("position").values_list("artist__name", flat=True)) == [
        "Simon & Garfunkel", "Paul Simon"]


def test_without_an_artists_tag_only_feat_markers_and_multi_values_split(local_bucket):
    data = make_audio("mp3", tags={"title": "Mrs. Robinson", "artist": "Simon & Garfunkel feat. Dave Grusin, Jr."})
    drop("e/1.mp3", data)
    run_pipeline()
    track = Track.objects.get()
    assert credits_of(track) == [("Simon & Garfunkel", "main"), ("Dave Grusin, Jr.", "featured")]
    assert track.album is None


def test_an_artists_upload_stays_theirs_and_credits_the_featured_artists(local_bucket, artist_client, artist_user):
    response = post_upload(artist_client, tagged("mp3-v24", title="Eres", album_artists=[MAIN]))
    assert response.status_code == 202, response.content
    upload_process(upload_id=response.json()["id"])

    track = Track.objects.get()
    profile = artist_of(artist_user)
    assert track.artist == profile and track.album.artist == profile
    assert credits_of(track) == [(profile.name, "main"), (FEAT, "featured"), ("Mon Laferte", "featured")]
    assert list(AlbumArtist.objects.filter(album=track.album).values_list("artist", flat=True)) == [profile.pk]


def _file(tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"m.{extension(fmt)}"
    path.write_bytes(make_audio(fmt, duration_s=0.5))
    return path


def test_multi_value_artist_fields_are_all_main_artists(tmp_path):
    mp3 = _file(tmp_path, "mp3")
    tags = ID3()
    tags.add(TPE1(encoding=3, text=["Simon & Garfunkel", "Paul Simon feat. Art Garfunkel"]))  # null-separated
    tags.save(mp3, v2_version=4)
    flac = _file(tmp_path, "flac")
    audio = FLAC(flac)
    audio["artist"] = ["AC/DC", "Bon Scott"]  # repeated ARTIST comments
    audio.save()

    assert read_tags(mp3)["artists"] == [{"name": "Simon & Garfunkel", "role": "main"}, {"name": "Paul Simon", "role": "main"},
                                         {"name": "Art Garfunkel", "role": "featured"}]
    assert read_tags(flac)["artists"] == [{"name": "AC/DC", "role": "main"}, {"name": "Bon Scott", "role": "main"}]


def test_an_id3v23_artists_list_keeps_a_name_with_a_slash_whole(tmp_path):
    mp3 = _file(tmp_path, "mp3")
    tags = ID3()
    tags.add(TPE1(encoding=3, text="AC/DC feat. Bon Scott"))
    tags.add(TXXX(encoding=3, desc="ARTISTS", text=["AC/DC", "Bon Scott"]))
    tags.save(mp3, v2_version=3, v23_sep="/")  # stored as "AC/DC/Bon Scott"

    assert read_tags(mp3)["artists"] == [{"name": "AC/DC", "role": "main"}, {"name": "Bon Scott", "role": "featured"}]


def test_an_absurd_number_of_credits_is_capped(tmp_path):
    flac = _file(tmp_path, "flac")
    audio = FLAC(flac)
    audio["artist"] = [f"Artist {n}" for n in range(500)]
    audio.save()
    assert len(read_tags(flac)["artists"]) == 20


def test_an_album_artist_without_an_album_creates_no_artist(local_bucket):
    drop("f/1.mp3", make_audio("mp3", tags={"title": "Single", "artist": "Solo", "albumartist": "Various Artists"}))
    run_pipeline()
    assert Track.objects.get().album is None
    assert list(Artist.objects.values_list("name", flat=True)) == ["Solo"]
