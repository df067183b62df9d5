"""Tag reading across ID3v1/v2.3/v2.4, Vorbis comments (FLAC, Ogg), MP4 atoms and WAV's ID3."""
from pathlib import Path

import pytest
from mutagen.id3 import ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TSRC, TXXX, UFID
from mutagen.mp4 import MP4, MP4FreeForm

from catalog.audio import clean_text, read_tags, split_featured
from tests.audio import make_audio

MBID = "9f3c8e2a-1b7d-4c6e-8a5f-0d2b4c6e8a10"
FULL = {"title": "Ｔｈｅ  Song ", "artist": "Cafe\u0301 Tacvba feat. Ana  Tijoux & Mon Laferte", "album": "Re",
        "albumartist": "Café Tacvba", "tracknumber": "3/12", "discnumber": "2/2", "date": "1994-07-01",
        "genre": "Rock", "isrc": "US-ABC-94-00001", "musicbrainz_trackid": MBID}


def _write(tmp_path: Path, fmt: str, ext: str) -> Path:
    path = tmp_path / f"a.{ext}"
    path.write_bytes(make_audio(fmt, duration_s=0.5))
    return path


def _id3_frames(tags: dict):
    return [TIT2(encoding=3, text=tags["title"]), TPE1(encoding=3, text=tags["artist"]),
            TALB(encoding=3, text=tags["album"]), TPE2(encoding=3, text=tags["albumartist"]),
            TRCK(encoding=3, text=tags["tracknumber"]), TPOS(encoding=3, text=tags["discnumber"]),
            TDRC(encoding=3, text=tags["date"]), TCON(encoding=3, text=tags["genre"]),
            TSRC(encoding=3, text=tags["isrc"]), UFID(owner="http://musicbrainz.org", data=MBID.encode()),
            TXXX(encoding=3, desc="MusicBrainz Album Id", text=MBID)]


def _assert_full(tags: dict) -> None:
    assert tags["title"] == "Ｔｈｅ Song"  # NFC keeps full-width letters; whitespace is collapsed
    assert tags["artist"] == "Café Tacvba"  # combining accent composed (NFC), credit split
    assert tags["featured_artists"] == ["Ana Tijoux & Mon Laferte"]  # "&" never splits (catalog.audio.tags)
    assert tags["album"] == "Re" and tags["album_artist"] == "Café Tacvba"
    assert (tags["track_number"], tags["disc_number"], tags["year"]) == (3, 2, 1994)
    assert tags["genre"] == "Rock" and tags["isrc"] == "USABC9400001"
    assert tags["musicbrainz_recording_id"] == MBID


@pytest.mark.parametrize("version", [3, 4])
def test_id3v2_3_and_v2_4(tmp_path, version):
    path = _write(tmp_path, "mp3", "mp3")
    id3 = ID3()
    for frame in _id3_frames(FULL):
        id3.add(frame)
    id3.save(path, v2_version=version)
    _assert_full(read_tags(path))


def test_id3v1_only(tmp_path):
    path = _write(tmp_path, "mp3", "mp3")
    v1 = b"TAG" + b"Old Song".ljust(30, b"\0") + b"Old Artist".ljust(30, b"\0") + b"Old Album".ljust(30, b"\0") \
        + b"1987" + b"".ljust(28, b"\0") + b"\0\x05" + bytes([17])  # track 5, genre 17 (Rock)
    path.write_bytes(path.read_bytes() + v1)
    tags = read_tags(path)
    assert (tags["title"], tags["artist"], tags["album"], tags["year"], tags["track_number"]) == \
        ("Old Song", "Old Artist", "Old Album", 1987, 5)
    assert tags["genre"] == "Rock"


@pytest.mark.parametrize(("fmt", "ext"), [("flac", "flac"), ("vorbis", "ogg"), ("opus", "opus")])
def test_vorbis_comments(tmp_path, fmt, ext):
    import mutagen

    path = _write(tmp_path, fmt, ext)
    audio = mutagen.File(path)
    for key, value in FULL.items():
        audio[key] = [value]
    audio.save()
    _assert_full(read_tags(path))


def test_mp4_atoms(tmp_path):
    path = _write(tmp_path, "m4a", "m4a")
    audio = MP4(path)
    audio["\xa9nam"], audio["\xa9ART"], audio["\xa9alb"] = [FULL["title"]], [FULL["artist"]], [FULL["album"]]
    audio["aART"], audio["\xa9day"], audio["\xa9gen"] = [FULL["albumartist"]], [FULL["date"]], [FULL["genre"]]
    audio["trkn"], audio["disk"] = [(3, 12)], [(2, 2)]
    audio["----:com.apple.iTunes:MusicBrainz Track Id"] = [MP4FreeForm(MBID.encode())]
    audio["----:com.apple.iTunes:ISRC"] = [MP4FreeForm(FULL["isrc"].encode())]
    audio.save()
    tags = read_tags(path)
    assert tags["artist"] == "Café Tacvba" and tags["featured_artists"] == ["Ana Tijoux & Mon Laferte"]
    assert (tags["track_number"], tags["disc_number"], tags["year"], tags["genre"]) == (3, 2, 1994, "Rock")
    assert tags["musicbrainz_recording_id"] == MBID


def test_wav_with_id3(tmp_path):
    from mutagen.wave import WAVE

    path = _write(tmp_path, "wav", "wav")
    audio = WAVE(path)
    audio.add_tags()
    for frame in _id3_frames(FULL):
        audio.tags.add(frame)
    audio.save()
    _assert_full(read_tags(path))


def test_untagged_file_gives_empty_values(tmp_path):
    tags = read_tags(_write(tmp_path, "flac", "flac"))
    assert tags["title"] == "" and tags["artist"] == "" and tags["year"] is None and tags["featured_artists"] == []


@pytest.mark.parametrize(("credit", "main", "featured"), [
    ("Artist feat. X", "Artist", ["X"]),
    ("Artist  FT X", "Artist", ["X"]),
    ("Artist (featuring X and Y)", "Artist", ["X and Y"]),  # only multi-value tags list several
    ("Artist [feat. X, Y & Z]", "Artist", ["X, Y & Z"]),
    ("Simon & Garfunkel", "Simon & Garfunkel", []),
    ("Feat. Band", "Feat. Band", []),  # a name that starts with the word is not a credit
    ("Daft Punk", "Daft Punk", []),
])
def test_featured_artists_are_split_off(credit, main, featured):
    assert split_featured(clean_text(credit)) == (main, featured)


def test_invalid_isrc_and_mbid_are_dropped(tmp_path):
    path = _write(tmp_path, "flac", "flac")
    import mutagen

    audio = mutagen.File(path)
    audio["isrc"], audio["musicbrainz_trackid"] = ["not an isrc"], ["'; DROP TABLE tracks; --"]
    audio.save()
    tags = read_tags(path)
    assert tags["isrc"] == "" and tags["musicbrainz_recording_id"] == ""


# --- issue 18: lyrics, replay gain, compilation, album artist in every family -----------------------

from catalog.audio import parse_lrc, split_lyrics  # noqa: E402
from tests.audio import FORMATS, make_audio as _make  # noqa: E402

EXTRA = {"albumartist": "Various Artists", "compilation": "1", "synced": [("Hola", 1000), ("Adiós", 62500)],
         "replaygain_track_gain": "+1.50 dB", "replaygain_track_peak": "0.5", "replaygain_album_gain": "-3 dB",
         "replaygain_album_peak": "0.75"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_lyrics_replay_gain_and_compilation_are_read_from_every_format(tmp_path, fmt):
    path = tmp_path / "x.bin"
    path.write_bytes(_make(fmt, duration_s=0.5, tags=EXTRA))
    tags = read_tags(path)
    assert (tags["album_artist"], tags["compilation"]) == ("Various Artists", True)
    assert tags["synced_lyrics"] == "[00:01.00]Hola\n[01:02.50]Adiós" and tags["lyrics"] == "Hola\nAdiós"
    assert (tags["replay_gain_track_db"], tags["replay_gain_track_peak"]) == (1.5, 0.5)
    assert (tags["replay_gain_album_db"], tags["replay_gain_album_peak"]) == (-3.0, 0.75)


def test_opus_r128_gain_becomes_replay_gain_and_absurd_values_are_dropped(tmp_path):
    from mutagen.oggopus import OggOpus

    path = tmp_path / "x.opus"
    path.write_bytes(_make("opus", duration_s=0.5))
    audio = OggOpus(path)
    audio["R128_TRACK_GAIN"], audio["REPLAYGAIN_ALBUM_GAIN"] = ["-1280"], ["-900 dB"]
    audio["REPLAYGAIN_TRACK_PEAK"] = ["loud"]
    audio.save()
    tags = read_tags(path)
    assert tags["replay_gain_track_db"] == 0.0  # -5 dB at R128's -23 LUFS is 0 dB at ReplayGain's -18
    assert tags["replay_gain_album_db"] is None and tags["replay_gain_track_peak"] is None


def test_plain_lyrics_keep_their_lines_and_lrc_offsets_apply():
    assert split_lyrics("  one  \r\ntwo\r\n\r\nthree") == ("  one\ntwo\n\nthree", "")
    lrc = "[ti:Song]\n[offset:+500]\n[00:02.00][00:10.5]chorus\n[00:05.25]verse"
    plain, synced = split_lyrics(lrc)
    assert plain == "chorus\nverse\nchorus" and synced == lrc
    assert parse_lrc(lrc) == [(1500, "chorus"), (4750, "verse"), (10000, "chorus")]
    assert not split_lyrics("[Chorus]\nla la la\nla la")[1]  # section labels are not timestamps
