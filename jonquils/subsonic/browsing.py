"""Browsing: getMusicFolders, getIndexes, getArtists, getArtist, getAlbum, getSong, getGenres, getMusicDirectory,
getArtistInfo2 / getArtistInfo, getAlbumInfo2 / getAlbumInfo, getSimilarSongs2 / getSimilarSongs, getTopSongs."""
from __future__ import annotations

import json
import re
import unicodedata
from xml.sax.saxutils import quoteattr

from django.db.models import Count, Exists, F, Max, OuterRef, Q

from catalog.cache import cached_for_viewer, catalog_changed_at_ms
from catalog.models import Artist, Genre, Track, TrackArtist
from catalog.selectors import album_credited_to, credited_on

from . import selectors, serializers as s
from .envelope import Encoded, answer_format, clean, not_found
from .params import parse_id
from .registry import method

MUSIC_FOLDER = {"id": 1, "name": "Music"}
IGNORED_ARTICLES = "The El La Los Las Le Les"


@method("getMusicFolders")
def get_music_folders(ctx):
    return {"musicFolders": {"musicFolder": [MUSIC_FOLDER]}}


def _index_letter(name: str) -> str:
    words = name.split(" ", 1)
    if len(words) == 2 and words[0] in IGNORED_ARTICLES.split():
        name = words[1]
    first = unicodedata.normalize("NFKD", name[:1]).encode("ascii", "ignore").decode().upper()
    return first if first.isalpha() else "#"


def _grouped(artists, shape) -> list[dict]:
    groups: dict[str, list] = {}
    for artist in artists:
        groups.setdefault(_index_letter(artist.name), []).append(shape(artist))
    return [{"name": letter, "artist": groups[letter]} for letter in sorted(groups, key=lambda k: (k == "#", k))]


def _last_modified(user) -> int:
    """getIndexes' lastModified in ms: when a track the user may see last changed, or the catalog's last
    write if later (hiding the newest tracks lowers the first). One query per catalog version."""
    def build():
        changed = Track.objects.visible_to(user).aggregate(at=Max("updated_at"))["at"]
        return int(changed.timestamp() * 1000) if changed else 0

    return max(cached_for_viewer(user, "subsonic-last-modified", {}, build), catalog_changed_at_ms())


def _artist_index(ctx, shape) -> Encoded:
    """Every artist the user may see grouped by letter, in the user's shape (ArtistID3 or the folder Artist),
    encoded in the answer's format.

    The groups without anyone's stars and ratings are one cached text per (catalog version, shape,
    format) for the viewers who see the public catalog: gathering 100k artists at 1M tracks took
    seconds, and cleaning and encoding their dicts on each request 0.4 s more. The user's own
    marks, a few, are spliced into that text after each marked artist's id (`_with_marks`).
    """
    fmt = answer_format(ctx.params)

    def build() -> str:
        artists = list(selectors.artists_for(ctx.user).order_by("name", "id"))
        return Encoded.of(fmt, "index", _grouped(artists, shape)).text

    text = cached_for_viewer(ctx.user, "subsonic-artist-index", {"shape": shape.__name__, "format": fmt}, build)
    notes = s.Annotations.load_ids(user=ctx.user, ids={"artist": None})
    marks = {pk: clean(notes.of("artist", pk)) for pk in notes.marked("artist")}
    return Encoded(fmt, _with_marks(text, fmt, marks) if marks else text)


# Where an artist of the encoded index starts, up to its id: `{"id": "ar-7", ` or `<artist id="ar-7"`.
# Neither can occur inside a value (JSON escapes its quotes, XML attributes their `<`).
_ARTIST_START = {"json": re.compile(r'\{"id": "ar-(\d+)", '), "xml": re.compile(r'<artist id="ar-(\d+)"')}


def _with_marks(text: str, fmt: str, marks: dict[int, dict]) -> str:
    """The encoded index with each marked artist's starred / userRating added right after its id."""
    def added(pk: int) -> str:
        if fmt == "json":
            return "".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}, " for k, v in marks[pk].items())
        return "".join(f" {k}={quoteattr(str(v))}" for k, v in marks[pk].items())

    def marked(match: re.Match) -> str:
        pk = int(match.group(1))
        return match.group(0) + added(pk) if pk in marks else match.group(0)

    return _ARTIST_START[fmt].sub(marked, text)


@method("getArtists")
def get_artists(ctx):
    return {"artists": {"ignoredArticles": IGNORED_ARTICLES, "index": _artist_index(ctx, s.artist)}}


@method("getIndexes")
def get_indexes(ctx):
    last_modified = _last_modified(ctx.user)
    since = ctx.params.int("ifModifiedSince", maximum=2**53)
    if since is not None and since >= last_modified:
        return {"indexes": {"ignoredArticles": IGNORED_ARTICLES, "lastModified": last_modified, "index": []}}
    return {"indexes": {"ignoredArticles": IGNORED_ARTICLES, "lastModified": last_modified,
                        "index": _artist_index(ctx, s.artist_legacy)}}


def _artist(ctx, value: str):
    pk = parse_id(value, s.ARTIST_PREFIX, what="Artist")
    artist = selectors.artists_for(ctx.user).filter(pk=pk).first()
    if artist is None:
        raise not_found("Artist")
    return artist


@method("getArtist")
def get_artist(ctx):
    artist = _artist(ctx, ctx.params.required("id"))
    albums = list(selectors.albums_for(ctx.user).filter(album_credited_to(artist)).order_by(F("release_date").asc(nulls_last=True), "id"))
    notes = s.Annotations.load(user=ctx.user, albums=albums, artists=[artist])
    return {"artist": {**s.artist(artist, notes), "album": [s.album(a, notes) for a in albums]}}


def _album(ctx, value: str):
    pk = parse_id(value, s.ALBUM_PREFIX, what="Album")
    album = selectors.albums_for(ctx.user).filter(pk=pk).first()
    if album is None:
        raise not_found("Album")
    return album


@method("getAlbum")
def get_album(ctx):
    album = _album(ctx, ctx.params.required("id"))
    tracks = selectors.album_tracks(ctx.user, album.pk)
    notes = s.Annotations.load(user=ctx.user, tracks=tracks, albums=[album])
    return {"album": s.album(album, notes, songs=[s.song(t, notes) for t in tracks])}


def track_for(ctx, value: str) -> Track:
    pk = parse_id(value, what="Song")
    track = selectors.tracks_for(ctx.user).filter(pk=pk).first()
    if track is None:
        raise not_found("Song")
    return track


@method("getSong")
def get_song(ctx):
    track = track_for(ctx, ctx.params.required("id"))
    return {"song": s.song(track, s.Annotations.load(user=ctx.user, tracks=[track]))}


@method("getGenres")
def get_genres(ctx):
    visible = Track.objects.visible_to(ctx.user).values("pk")
    genres = (Genre.objects.annotate(songs=Count("tracks", filter=Q(tracks__in=visible), distinct=True),
                                     albums=Count("tracks__album", filter=Q(tracks__in=visible), distinct=True))
              .filter(songs__gt=0).order_by("name"))
    return {"genres": {"genre": [{"value": g.name, "songCount": g.songs, "albumCount": g.albums} for g in genres]}}


@method("getMusicDirectory")
def get_music_directory(ctx):
    """The root of an artist (its albums) or of an album (its songs), by the ids getIndexes gives."""
    value = ctx.params.required("id")
    if value.startswith(s.ARTIST_PREFIX):
        artist = _artist(ctx, value)
        albums = list(selectors.albums_for(ctx.user).filter(album_credited_to(artist)).order_by("release_date", "id"))
        loose = list(selectors.tracks_for(ctx.user).filter(credited_on(artist), album__isnull=True).order_by("title", "id"))
        notes = s.Annotations.load(user=ctx.user, albums=albums, artists=[artist], tracks=loose)
        children = [s.album_as_child(a, notes) for a in albums] + [s.song(t, notes) for t in loose]
        return {"directory": {"id": s.artist_id(artist.pk), "name": artist.name, "parent": None,
                              "starred": notes.of("artist", artist.pk)["starred"], "child": children}}
    album = _album(ctx, value)
    tracks = selectors.album_tracks(ctx.user, album.pk)
    notes = s.Annotations.load(user=ctx.user, tracks=tracks, albums=[album])
    return {"directory": {"id": s.album_id(album.pk), "parent": s.artist_id(album.artist_id), "name": album.title,
                          "starred": notes.of("album", album.pk)["starred"],
                          "child": [s.song(t, notes) for t in tracks]}}


def _similar_artists(ctx, artist: Artist, count: int) -> list[Artist]:
    """Artists sharing the genres of this artist's tracks, the most shared first."""
    genres = Track.objects.visible_to(ctx.user).filter(artist=artist, genre__isnull=False).values("genre_id")
    visible = Track.objects.visible_to(ctx.user).filter(genre_id__in=genres).exclude(artist=artist)
    ids = list(visible.values("artist_id").annotate(n=Count("pk")).order_by("-n", "artist_id")
               .values_list("artist_id", flat=True)[:count])
    found = selectors.artists_for(ctx.user).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _artist_info(ctx):
    artist = _artist(ctx, ctx.params.required("id"))
    count = ctx.params.int("count", 20, maximum=100)
    similar = _similar_artists(ctx, artist, count)
    return artist, {"biography": artist.bio, "similarArtist": similar}


@method("getArtistInfo2")
def get_artist_info2(ctx):
    artist, info = _artist_info(ctx)
    notes = s.Annotations.load(user=ctx.user, artists=info["similarArtist"])
    return {"artistInfo2": {**info, "similarArtist": [s.artist(a, notes) for a in info["similarArtist"]]}}


@method("getArtistInfo")
def get_artist_info(ctx):
    artist, info = _artist_info(ctx)
    notes = s.Annotations.load(user=ctx.user, artists=info["similarArtist"])
    return {"artistInfo": {**info, "similarArtist": [s.artist_legacy(a, notes) for a in info["similarArtist"]]}}


def _album_info(ctx) -> dict:
    value = ctx.params.required("id")
    if value.isdigit():  # a song id: the info of its album
        track = track_for(ctx, value)
        if not track.album_id:
            raise not_found("Album")
        value = s.album_id(track.album_id)
    album = _album(ctx, value)
    return {"notes": f"{album.title} by {album.artist.name}" + (
        f", released {album.release_date.isoformat()}" if album.release_date else "") + "."}


@method("getAlbumInfo2")
def get_album_info2(ctx):
    return {"albumInfo": _album_info(ctx)}


@method("getAlbumInfo")
def get_album_info(ctx):
    return {"albumInfo": _album_info(ctx)}


def _similar_songs(ctx, seed_tracks: list[Track], exclude_ids: set[int], count: int) -> list[Track]:
    """Tracks nearest in tempo, energy and valence to the seeds (the catalog's audio features), same genre first."""
    seed = seed_tracks[0]
    tracks = selectors.tracks_for(ctx.user).exclude(pk__in=exclude_ids)
    if seed.energy is None and seed.valence is None and seed.tempo is None:
        return list(tracks.filter(genre_id=seed.genre_id).order_by("-popularity", "id")[:count]) if seed.genre_id \
            else list(tracks.filter(artist_id=seed.artist_id).order_by("-popularity", "id")[:count])
    from django.db.models import Case, FloatField, Value, When
    from django.db.models.functions import Abs, Coalesce

    distance = (Abs(Coalesce(F("energy"), Value(0.5)) - (seed.energy if seed.energy is not None else 0.5))
                + Abs(Coalesce(F("valence"), Value(0.5)) - (seed.valence if seed.valence is not None else 0.5))
                + Abs(Coalesce(F("tempo"), Value(120.0)) - (seed.tempo or 120.0)) / 100.0
                + Case(When(genre_id=seed.genre_id, then=Value(0.0)), default=Value(0.5), output_field=FloatField()))
    return list(tracks.annotate(distance=distance).order_by("distance", "-popularity", "id")[:count])


def _similar(ctx):
    value = ctx.params.required("id")
    count = ctx.params.int("count", 50, maximum=500)
    if value.startswith(s.ARTIST_PREFIX):
        artist = _artist(ctx, value)
        seeds = list(selectors.tracks_for(ctx.user).filter(credited_on(artist)).order_by("-popularity", "id")[:1])
    elif value.startswith(s.ALBUM_PREFIX):
        album = _album(ctx, value)
        seeds = selectors.album_tracks(ctx.user, album.pk)[:1]
    else:
        seeds = [track_for(ctx, value)]
    if not seeds:
        return []
    tracks = _similar_songs(ctx, seeds, {t.pk for t in seeds}, count)
    notes = s.Annotations.load(user=ctx.user, tracks=tracks)
    return [s.song(t, notes) for t in tracks]


@method("getSimilarSongs2")
def get_similar_songs2(ctx):
    return {"similarSongs2": {"song": _similar(ctx)}}


@method("getSimilarSongs")
def get_similar_songs(ctx):
    return {"similarSongs": {"song": _similar(ctx)}}


@method("getTopSongs")
def get_top_songs(ctx):
    name = ctx.params.required("artist")
    count = ctx.params.int("count", 50, maximum=500)
    named = Artist.objects.filter(name__iexact=name).values("pk")
    credited = Q(artist__in=named) | Q(Exists(TrackArtist.objects.filter(track_id=OuterRef("pk"), artist__in=named)))
    tracks = list(selectors.tracks_for(ctx.user).filter(credited).order_by("-popularity", "id")[:count])
    notes = s.Annotations.load(user=ctx.user, tracks=tracks)
    return {"topSongs": {"song": [s.song(t, notes) for t in tracks]}}
