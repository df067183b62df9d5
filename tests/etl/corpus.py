"""A corpus of hand-dropped files for the ETL tests: every format and tag flavour, and broken files.

Each entry says what the pipeline must make of it: the track row it yields or the failure reason.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mutagen.id3 import ID3, TALB, TIT2, TPE1, TRCK
from mutagen.id3 import delete as id3_delete

from tests.audio import make_audio, make_image


def _retag_mp3(data: bytes, *, version: str, tags: dict) -> bytes:
    """An MP3 whose tag is ID3v2.3, or ID3v1 only."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.mp3"
        path.write_bytes(data)
        id3 = ID3()
        id3.add(TIT2(encoding=1 if version == "2.3" else 0, text=tags["title"]))
        id3.add(TPE1(encoding=1 if version == "2.3" else 0, text=tags["artist"]))
        id3.add(TALB(encoding=1 if version == "2.3" else 0, text=tags["album"]))
        id3.add(TRCK(encoding=0, text=str(tags["tracknumber"])))
        if version == "2.3":
            id3.save(path, v2_version=3, v1=0)
        else:
            id3.save(path, v1=2)
            id3_delete(path, delete_v1=False, delete_v2=True)
        return path.read_bytes()


@dataclass(frozen=True)
class Good:
    key: str
    data: bytes
    title: str
    artist: str
    album: str | None = None
    track_number: int | None = None
    mime_type: str = ""
    cover: bool = False
    seconds: float = 1.0


@dataclass(frozen=True)
class Bad:
    key: str
    data: bytes
    reason: str  # a fragment of the failure message


@dataclass
class Corpus:
    good: list[Good] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)


def build_corpus() -> Corpus:
    cover = make_image(400, 400)
    corpus = Corpus()
    add = corpus.good.append
    base = {"title": "Dawn", "artist": "Ana Lua", "album": "Morning", "tracknumber": 1}
    add(Good("drop/id3v24.mp3", make_audio("mp3", tags=base, cover=cover), "Dawn", "Ana Lua", "Morning", 1,
             "audio/mpeg", cover=True))
    add(Good("drop/id3v23.mp3", _retag_mp3(make_audio("mp3"), version="2.3",
             tags={"title": "Été à Köln", "artist": "Ana Lua", "album": "Morning", "tracknumber": 2}),
             "Été à Köln", "Ana Lua", "Morning", 2, "audio/mpeg"))
    add(Good("drop/id3v1.mp3", _retag_mp3(make_audio("mp3", freq=330), version="1",
             tags={"title": "Old Tag", "artist": "Vee One", "album": "Legacy", "tracknumber": 7}),
             "Old Tag", "Vee One", "Legacy", 7, "audio/mpeg"))
    add(Good("drop/vorbis.flac", make_audio("flac", tags={"title": "東京の夜", "artist": "ミナ", "album": "夜",
             "tracknumber": 3}, cover=cover), "東京の夜", "ミナ", "夜", 3, "audio/flac", cover=True))
    add(Good("drop/vorbis.ogg", make_audio("vorbis", tags={"title": "Fjord", "artist": "  ana   LUA ",
             "album": "Morning", "tracknumber": 4}), "Fjord", "Ana Lua", "Morning", 4, "audio/ogg"))
    add(Good("drop/opus.opus", make_audio("opus", tags={"title": "Opus One", "artist": "Otto"}),
             "Opus One", "Otto", None, None, "audio/ogg"))
    add(Good("drop/atoms.m4a", make_audio("m4a", tags={"title": "Atom Heart", "artist": "Mia Quatre",
             "album": "Boxes", "tracknumber": 5}, cover=cover), "Atom Heart", "Mia Quatre", "Boxes", 5,
             "audio/mp4", cover=True))
    add(Good("drop/id3.wav", make_audio("wav", tags={"title": "Wave Form", "artist": "Otto", "album": "Lab",
             "tracknumber": 6}), "Wave Form", "Otto", "Lab", 6, "audio/wav"))
    add(Good("drop/No_Tags_At_All.mp3", make_audio("mp3", freq=550), "No Tags At All", "Unknown artist",
             mime_type="audio/mpeg"))
    add(Good("drop/plain_wave.wav", make_audio("wav", freq=660), "plain wave", "Unknown artist",
             mime_type="audio/wav"))

    long_mp3 = make_audio("mp3", duration_s=4.0, freq=770)
    corpus.bad += [
        Bad("broken/truncated.mp3", long_mp3[: len(long_mp3) // 3], "truncated"),
        Bad("broken/empty.mp3", b"", "empty (0 bytes)"),
        Bad("broken/notes.mp3", "These are not sounds, just words.\n".encode() * 50, "not audio"),
        Bad("broken/picture.mp3", make_image(200, 200), "not audio"),
    ]
    return corpus
