"""Read what a file says about itself: tags of the four families, lyrics, replay gain, cover art.

The families: ID3 (MP3, WAV, AIFF; v1, v2.3, v2.4), Vorbis comments (FLAC, Ogg Opus/Vorbis),
MP4 atoms (M4A: AAC and ALAC) and APEv2 (WavPack). Each logical field is looked up under the
name that family's taggers (Picard, foobar2000, iTunes, Mp3tag) write.
"""
from __future__ import annotations

import base64
import re
import unicodedata
from pathlib import Path

import mutagen
from mutagen._vorbis import VComment
from mutagen.apev2 import APEv2, APEBinaryValue
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4Tags
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from .lyrics import split_lyrics, sylt_to_lrc


def _number(text: str) -> int | None:
    head = text.split("/")[0].strip()
    return int(head) if head.isdigit() and 0 < int(head) < 10000 else None


def clean_text(text: str) -> str:
    """Unicode NFC with runs of whitespace collapsed: how every tag text is stored."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


# "Artist feat. X", "Artist ft X", "Artist featuring X", "Artist (feat. X)"
_FEATURING = re.compile(r"\s*[(\[]?\s*\b(?:feat\.?|ft\.?|featuring)\s+(.+?)[)\]]?\s*$", re.IGNORECASE)
MAX_CREDITS = 20  # credited artists kept per track or album; a longer list is a broken tag


def split_featured(artist: str) -> tuple[str, list[str]]:
    """Return the main artist and the featured ones of an artist credit.

    Only an explicit feat./ft./featuring marker splits a credit; "&", "," and "and" never do, on
    either side of it ("Simon & Garfunkel" is one artist, and so is "feat. Simon & Garfunkel"):
    a name cannot be told from a list by its text. Several artists come from multi-value tags.
    """
    match = _FEATURING.search(artist)
    if not match or match.start() == 0:
        return artist, []
    featured = clean_text(match.group(1))
    return clean_text(artist[:match.start()]), [featured] if featured else []


def split_v23_list(value: str, *, context: str) -> list[str]:
    """The values of an ID3v2.3 multi-value TXXX (ARTISTS), which has no null separator: taggers
    (Picard, mutagen's v23_sep) join them with "/". Pieces are re-joined where the artist credit
    spells the joined name, so "AC/DC" (credited as "AC/DC feat. X") stays one artist."""
    pieces = [piece.strip() for piece in value.split("/")]
    if len(pieces) == 1 or not all(pieces):
        return [value]
    names: list[str] = []
    for piece in pieces:
        if names and f"{names[-1]}/{piece}".casefold() in context.casefold():
            names[-1] = f"{names[-1]}/{piece}"
        else:
            names.append(piece)
    return names


def _unique(names) -> list[str]:
    seen, out = set(), []
    for name in names:
        name = clean_text(name)[:255]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _named_in(name: str, credits: list[str]) -> bool:
    """Whether `name` is one of the credits or a whole part of one ("B" in "B & C", not in "Bob")."""
    pattern = re.compile(r"(?:^|[\s,&(/])" + re.escape(name.casefold()) + r"(?:$|[\s,&)/])")
    return any(pattern.search(credit.casefold()) for credit in credits)


def artist_credits(artist_values: list[str], artists_values: list[str]) -> list[dict]:
    """The ordered credits [{"name", "role"}] of a track: main artists first, then the featured.

    `artist_values`: the artist field's values (ID3 TPE1 with null separators, repeated Vorbis
    ARTIST, MP4 ©ART), each possibly "A feat. B". `artists_values`: the multi-value ARTISTS tag
    (Picard's; ID3 TXXX:ARTISTS, Vorbis ARTISTS, MP4 ----:com.apple.iTunes:ARTISTS), one name a
    value, which says exactly who is credited; the artist field tells which of them are featured.
    """
    mains, featured = [], []
    for value in artist_values:
        main, feat = split_featured(clean_text(value))
        mains += [main] if main else []
        featured += feat
    listed = _unique(artists_values)
    if not listed:
        names = [(name, "main") for name in _unique(mains)]
        names += [(name, "featured") for name in _unique(featured) if name.casefold() not in {n.casefold() for n, _ in names}]
    else:
        main_names = {name.casefold() for name in mains}
        names = [(name, "featured" if _named_in(name, featured) and name.casefold() not in main_names else "main")
                 for name in listed]
        # Names only the artist field carries (an ARTISTS tag that forgot one), unless the
        # ARTISTS tag already spells them out ("B & C" of "A feat. B & C" listed as B and C).
        for name, role in [*((m, "main") for m in mains), *((f, "featured") for f in featured)]:
            if not any(_named_in(known, [name]) for known in listed):
                names.append((name, role))
                listed.append(name)
    ordered = [n for n in names if n[1] == "main"] + [n for n in names if n[1] == "featured"]
    return [{"name": name, "role": role} for name, role in ordered[:MAX_CREDITS]]


# logical field → keys per family: ID3 frame ids, Vorbis comment names, MP4 atoms, APEv2 keys.
# MP4 "----:" keys are iTunes freeform atoms; ID3 "TXXX:" and "UFID:" carry their description/owner.
_KEYS = {
    "title": (("TIT2",), ("title",), ("\xa9nam",), ("Title",)),
    "artist": (("TPE1",), ("artist",), ("\xa9ART",), ("Artist",)),
    "album": (("TALB",), ("album",), ("\xa9alb",), ("Album",)),
    "album_artist": (("TPE2",), ("albumartist", "album artist", "album_artist"), ("aART",),
                     ("Album Artist", "AlbumArtist")),
    "track": (("TRCK",), ("tracknumber",), ("trkn",), ("Track",)),
    "disc": (("TPOS",), ("discnumber",), ("disk",), ("Disc",)),
    "date": (("TDRC", "TYER", "TDOR"), ("date", "year", "originaldate"), ("\xa9day",), ("Year", "Date")),
    "genre": (("TCON",), ("genre",), ("\xa9gen",), ("Genre",)),
    "isrc": (("TSRC",), ("isrc",), ("----:com.apple.iTunes:ISRC",), ("ISRC",)),
    "musicbrainz_recording_id": (("UFID:http://musicbrainz.org", "TXXX:MusicBrainz Track Id"),
                                 ("musicbrainz_trackid",), ("----:com.apple.iTunes:MusicBrainz Track Id",),
                                 ("MUSICBRAINZ_TRACKID",)),
    "musicbrainz_album_id": (("TXXX:MusicBrainz Album Id",), ("musicbrainz_albumid",),
                             ("----:com.apple.iTunes:MusicBrainz Album Id",), ("MUSICBRAINZ_ALBUMID",)),
    "musicbrainz_artist_id": (("TXXX:MusicBrainz Artist Id",), ("musicbrainz_artistid",),
                              ("----:com.apple.iTunes:MusicBrainz Artist Id",), ("MUSICBRAINZ_ARTISTID",)),
    "compilation": (("TCMP",), ("compilation",), ("cpil",), ("Compilation",)),
}
_FAMILIES = ("id3", "vorbis", "mp4", "ape")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DECIBELS = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:db)?\s*$", re.IGNORECASE)


def _family(tags) -> str | None:
    if isinstance(tags, ID3):
        return "id3"
    if isinstance(tags, VComment):
        return "vorbis"
    if isinstance(tags, MP4Tags):
        return "mp4"
    if isinstance(tags, APEv2):
        return "ape"
    return None


def _as_text(value) -> str:
    """The first text of a tag value, whatever the family stored it as."""
    if value is None:
        return ""
    if hasattr(value, "genres"):  # ID3 TCON: "(17)" and "17" mean Rock
        value = value.genres
    elif hasattr(value, "owner") and hasattr(value, "data"):  # ID3 UFID
        return value.data.decode("ascii", "replace")
    elif hasattr(value, "text"):
        value = value.text
    if isinstance(value, APEBinaryValue):
        return ""
    if hasattr(value, "value") and not isinstance(value, (str, bytes)):  # APEv2 text value
        value = list(value) if hasattr(value, "__iter__") else str(value)
    if isinstance(value, (list, tuple)) and not (len(value) == 2 and all(isinstance(v, int) for v in value)):
        value = value[0] if value else ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, tuple):  # MP4 trkn/disk: (number, total)
        return f"{value[0]}/{value[1]}" if value[1] else str(value[0])
    if isinstance(value, bytes):  # MP4 freeform
        return value.decode("utf-8", "replace")
    return str(value).strip()


def _all_texts(value) -> list[str]:
    """Every text of a tag value (a multi-value frame, list or APEv2 value), as strings."""
    if value is None or isinstance(value, APEBinaryValue):
        return []
    if hasattr(value, "text") and not isinstance(value, (str, bytes)):  # ID3 text frames, TXXX
        value = list(value.text)
    elif hasattr(value, "value") and not isinstance(value, (str, bytes)):  # APEv2 text: null-separated
        value = list(value) if hasattr(value, "__iter__") else [str(value)]
    if not isinstance(value, (list, tuple)):
        value = [value]
    return [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item) for item in value
            if isinstance(item, (str, bytes))]


class TagView:
    """One parsed file's tags, read by logical field or by free-form name, family-blind."""

    def __init__(self, parsed):
        self.parsed = parsed
        self.tags = getattr(parsed, "tags", None)
        self.family = _family(self.tags)

    def _get(self, key: str):
        try:
            return self.tags.get(key)
        except (KeyError, ValueError, TypeError):
            return None

    def text(self, field: str) -> str:
        if self.family is None:
            return ""
        for key in _KEYS[field][_FAMILIES.index(self.family)]:
            value = _as_text(self._get(key))
            if value:
                return value
        return ""

    def texts(self, field: str) -> list[str]:
        """Every value of a logical field, in order (multi-value tags: ID3 null separators, repeated
        Vorbis comments, MP4 lists, APEv2 null-separated values); those of the first key that has any."""
        if self.family is None:
            return []
        for key in _KEYS[field][_FAMILIES.index(self.family)]:
            values = [clean_text(v) for v in _all_texts(self._get(key))]
            if any(values):
                return [v for v in values if v]
        return []

    def freeform_texts(self, name: str) -> list[str]:
        """Every value of a custom field by name, case-insensitive (see freeform)."""
        wanted = name.casefold()
        if self.family == "id3":
            found = [v for frame in self.tags.getall("TXXX") if frame.desc.casefold() == wanted for v in _all_texts(frame)]
        elif self.family == "mp4":
            found = [v for key, value in self.tags.items()
                     if key.startswith("----:") and key.rsplit(":", 1)[-1].casefold() == wanted for v in _all_texts(value)]
        elif self.family in ("vorbis", "ape"):
            found = _all_texts(self._get(name))
        else:
            found = []
        return [clean_text(v) for v in found if clean_text(v)]

    def freeform(self, name: str) -> str:
        """A custom field by name, case-insensitive: ID3 TXXX, Vorbis comment, iTunes `----` atom, APEv2 key."""
        wanted = name.casefold()
        if self.family == "id3":
            return next((_as_text(frame) for frame in self.tags.getall("TXXX") if frame.desc.casefold() == wanted), "")
        if self.family == "mp4":
            return next((_as_text(value) for key, value in self.tags.items()
                         if key.startswith("----:") and key.rsplit(":", 1)[-1].casefold() == wanted), "")
        if self.family in ("vorbis", "ape"):
            return _as_text(self._get(name))
        return ""


def _open(path: str | Path):
    try:
        return mutagen.File(str(path))
    except (mutagen.MutagenError, ValueError, OSError, EOFError):
        return None


def read_tags_and_cover(path: str | Path) -> tuple[dict, bytes | None]:
    """read_tags and embedded_cover from one parse of the file (the pipeline wants both)."""
    parsed = _open(path)
    return _tags_of(parsed), _cover_of(parsed)


def read_tags(path: str | Path) -> dict:
    """Return what the file's tags say (see the module docstring), cleaned.

    Missing values are "", None or False. Texts are NFC with whitespace collapsed; "A feat. B"
    gives artist "A" and featured_artists ["B"]; `artists` is every credited artist in order
    ([{"name", "role"}], see artist_credits) and `album_artists` the album's own (names), from
    multi-value tags too; `artist` and `album_artist` are the first of each. Lyrics keep their line breaks (`lyrics` plain,
    `synced_lyrics` LRC); replay gain values are dB and linear peaks, None when absent or absurd.
    """
    return _tags_of(_open(path))


def _tags_of(parsed) -> dict:
    view = TagView(parsed)
    raw = {name: clean_text(view.text(name)) for name in _KEYS}
    artist_values, artists_values = view.texts("artist"), view.freeform_texts("artists")
    if view.family == "id3" and tuple(view.tags.version) < (2, 4, 0) and len(artists_values) == 1:
        artists_values = split_v23_list(artists_values[0], context=" ".join(artist_values))
    credits = artist_credits(artist_values, artists_values)
    artist = next((c["name"] for c in credits if c["role"] == "main"), "")
    featured = [c["name"] for c in credits if c["role"] == "featured"]
    album_artists = _unique(view.freeform_texts("albumartists") or view.freeform_texts("album artists")
                            or [split_featured(value)[0] for value in view.texts("album_artist")])[:MAX_CREDITS]
    year = _number(raw["date"][:4]) if raw["date"][:4].isdigit() else None
    isrc = raw["isrc"].replace("-", "").upper()
    mbid = raw["musicbrainz_recording_id"].lower()
    lyrics, synced = read_lyrics(view)
    return {
        "title": raw["title"][:255], "artist": artist[:255], "featured_artists": featured, "artists": credits,
        "album": raw["album"][:255], "album_artist": album_artists[0] if album_artists else "",
        "album_artists": album_artists,
        "track_number": _number(raw["track"]) if raw["track"] else None,
        "disc_number": _number(raw["disc"]) if raw["disc"] else None,
        "year": year if year and year > 1000 else None, "genre": raw["genre"][:100],
        "isrc": isrc if re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}\d{7}", isrc) else "",
        "musicbrainz_recording_id": mbid if _UUID.match(mbid) else "",
        "musicbrainz_album_id": raw["musicbrainz_album_id"].lower(),
        "musicbrainz_artist_id": raw["musicbrainz_artist_id"].lower(),
        "compilation": raw["compilation"].strip().lower() in ("1", "true", "yes"),
        "lyrics": lyrics, "synced_lyrics": synced,
        **read_replay_gain(view),
    }


def read_lyrics(view: TagView) -> tuple[str, str]:
    """(plain, synced LRC): ID3 USLT/SYLT, Vorbis LYRICS/UNSYNCEDLYRICS, MP4 ©lyr, APEv2 Lyrics."""
    plain, synced = "", ""
    if view.family == "id3":
        for frame in view.tags.getall("SYLT"):
            synced = synced or sylt_to_lrc(list(frame.text), in_ms=frame.format == 2)
        texts = [str(frame.text) for frame in view.tags.getall("USLT")]
    elif view.family == "vorbis":
        texts = [view.freeform("lyrics"), view.freeform("unsyncedlyrics"), view.freeform("syncedlyrics")]
    elif view.family == "mp4":
        texts = [_as_text(view._get("\xa9lyr"))]
    elif view.family == "ape":
        texts = [view.freeform("Lyrics")]
    else:
        texts = []
    for text in texts:
        text_plain, text_synced = split_lyrics(text)
        plain, synced = plain or text_plain, synced or text_synced
    if synced and not plain:
        plain = split_lyrics(synced)[0]
    return plain, synced


def _decimal(text: str, *, low: float, high: float) -> float | None:
    match = _DECIBELS.match(text or "")
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    return value if low <= value <= high else None


def _decibels(text: str) -> float | None:
    value = _decimal(text, low=-60.0, high=60.0)
    return round(value, 2) if value is not None else None


def _peak(text: str) -> float | None:
    value = _decimal(text, low=0.0, high=10.0)  # linear; > 1 happens after lossy encoding
    return round(value, 6) if value else None


def read_replay_gain(view: TagView) -> dict:
    """Track/album gain (dB) and peak (linear) from REPLAYGAIN_* (any family) or Opus' R128_* (Q7.8 at −23 LUFS)."""
    result = {}
    for scope in ("track", "album"):
        gain = _decibels(view.freeform(f"replaygain_{scope}_gain"))
        if gain is None and view.family == "vorbis":
            r128 = view.freeform(f"r128_{scope}_gain").strip()
            if re.fullmatch(r"[+-]?\d{1,6}", r128) and abs(int(r128)) < 32768:
                gain = round(int(r128) / 256 + 5.0, 2)  # ReplayGain's reference is 5 dB above R128's
        result[f"replay_gain_{scope}_db"] = gain
        result[f"replay_gain_{scope}_peak"] = _peak(view.freeform(f"replaygain_{scope}_peak"))
    return result


def embedded_cover(path: str | Path) -> bytes | None:
    """Return the bytes of the embedded front cover (else the first picture), if any."""
    return _cover_of(_open(path))


def _cover_of(parsed) -> bytes | None:
    if parsed is None:
        return None
    if isinstance(parsed, FLAC) and parsed.pictures:
        return parsed.pictures[0].data
    tags = parsed.tags
    if tags is None:
        return None
    if isinstance(parsed, MP4):
        covers = tags.get("covr") or []
        return bytes(covers[0]) if covers else None
    if isinstance(parsed, (OggOpus, OggVorbis)):
        for encoded in tags.get("metadata_block_picture", []):
            try:
                return Picture(base64.b64decode(encoded)).data
            except (ValueError, mutagen.MutagenError):
                continue
        return None
    if isinstance(tags, APEv2):  # WavPack: "Cover Art (Front)" holds "<filename>\0<image bytes>"
        for key in ("Cover Art (Front)", *[k for k in tags.keys() if k.lower().startswith("cover art")]):
            value = tags.get(key)
            if isinstance(value, APEBinaryValue) and b"\x00" in value.value:
                return value.value.split(b"\x00", 1)[1] or None
        return None
    if hasattr(tags, "getall"):  # ID3 (MP3, WAV, AIFF)
        pictures = tags.getall("APIC")
        front = [picture for picture in pictures if picture.type == 3]
        return (front or pictures)[0].data if pictures else None
    return None
