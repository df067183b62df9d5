"""Models → Subsonic shapes (Child, AlbumID3, ArtistID3, Playlist...). Ids are strings; absent fields are left out.

The artist mapping of a track and of an album is in ONE function each (`track_artists`,
`album_artists`), reading the credited artists through catalog.selectors (prefetched by
jonquils.subsonic.selectors, so a list stays a fixed number of queries).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from catalog.audio.probe import FORMATS as AUDIO_FORMATS
from catalog.selectors import album_credits, credits_display, track_credits
from catalog.stream_plan import track_audio_format
from jonquils.db.lookups import IdIn

from .envelope import iso

ALBUM_PREFIX, ARTIST_PREFIX, PLAYLIST_PREFIX = "al-", "ar-", "pl-"


def song_id(track_id: int) -> str:
    return str(track_id)


def album_id(pk: int) -> str:
    return f"{ALBUM_PREFIX}{pk}"


def artist_id(pk: int) -> str:
    return f"{ARTIST_PREFIX}{pk}"


def playlist_id(pk: int) -> str:
    return f"{PLAYLIST_PREFIX}{pk}"


def artist_ref(artist) -> dict:
    return {"id": artist_id(artist.pk), "name": artist.name}


def track_artists(track) -> dict:
    """OpenSubsonic `artists`, `displayArtist`, `albumArtists`, `displayAlbumArtist` of a track (the one place).

    Every credited artist in credit order (catalog.selectors reads the rows `tracks_for` prefetched);
    `artistId` stays the main artist (older clients expect one id); `artist` is the display string.
    """
    credits = track_credits(track)
    album_credit_list = album_credits(track.album) if track.album_id else credits
    return {"artist": credits_display(credits), "artistId": artist_id(track.artist_id),
            "artists": [artist_ref(c.artist) for c in credits], "displayArtist": credits_display(credits),
            "albumArtists": [artist_ref(c.artist) for c in album_credit_list],
            "displayAlbumArtist": track.album_artist_name or credits_display(album_credit_list)}


def album_artists(album) -> dict:
    """OpenSubsonic `artist`, `artistId`, `artists`, `displayArtist` of an album (the one place)."""
    credits = album_credits(album)
    return {"artist": credits_display(credits), "artistId": artist_id(album.artist_id),
            "artists": [artist_ref(c.artist) for c in credits], "displayArtist": credits_display(credits)}


@dataclass
class Annotations:
    """What one user has said about the items of one answer (stars, ratings), loaded once per answer."""

    starred: dict = field(default_factory=dict)  # (kind, id) -> datetime
    ratings: dict = field(default_factory=dict)  # (kind, id) -> 1..5

    # Past this many ids, the user's own marks of the kinds asked are fewer rows than the ids:
    # an IN list of 100k artist ids (getIndexes at 1M tracks) cost more than the whole answer.
    LOOKUP_IDS_MAX = 1_000

    @classmethod
    def load(cls, *, user, tracks=(), albums=(), artists=()) -> "Annotations":
        return cls.load_ids(user=user, ids={"track": {t.pk for t in tracks}, "album": {a.pk for a in albums},
                                            "artist": {a.pk for a in artists}})

    @classmethod
    def load_ids(cls, *, user, ids: dict[str, set | None]) -> "Annotations":
        """The user's stars and ratings of the items asked: kind -> ids, or None for every item of that kind."""
        from playlists.models import Favorite, Rating, Star

        found = cls()
        wanted = {kind: asked for kind, asked in ids.items() if asked is None or asked}
        if not wanted or user is None or not user.is_authenticated:
            return found

        def narrowed(rows, column: str, kinds):
            asked = [wanted[kind] for kind in kinds if kind in wanted]
            if any(a is None for a in asked) or sum(len(a) for a in asked) > cls.LOOKUP_IDS_MAX:
                return rows
            return rows.filter(IdIn(F(column), set().union(*asked)))

        def asked_for(kind: str, pk: int) -> bool:
            return kind in wanted and (wanted[kind] is None or pk in wanted[kind])

        if "track" in wanted:
            for pk, at in narrowed(Favorite.objects.filter(user=user), "track_id", ["track"]).values_list("track_id", "created_at"):
                if asked_for("track", pk):
                    found.starred[("track", pk)] = at
        star_kinds = [kind for kind in ("album", "artist") if kind in wanted]
        if star_kinds:
            stars = narrowed(Star.objects.filter(user=user, kind__in=star_kinds), "item_id", star_kinds)
            for kind, pk, at in stars.values_list("kind", "item_id", "created_at"):
                if asked_for(kind, pk):
                    found.starred[(kind, pk)] = at
        ratings = narrowed(Rating.objects.filter(user=user, kind__in=list(wanted)), "item_id", list(wanted))
        for kind, pk, rating in ratings.values_list("kind", "item_id", "rating"):
            if asked_for(kind, pk):
                found.ratings[(kind, pk)] = rating
        return found

    def marked(self, kind: str) -> set[int]:
        """The ids of this kind the user starred or rated."""
        return {pk for k, pk in (*self.starred, *self.ratings) if k == kind}

    def of(self, kind: str, pk: int) -> dict:
        return {"starred": iso(self.starred.get((kind, pk))), "userRating": self.ratings.get((kind, pk))}


def _suffix(track) -> str:
    fmt = AUDIO_FORMATS.get(track_audio_format(track))
    return fmt.extension if fmt else (track.file_path.rsplit(".", 1)[-1] if "." in track.file_path else "")


def _seconds(ms) -> int:
    return int(round((ms or 0) / 1000))


def song(track, notes: Annotations | None = None) -> dict:
    """A track as a Subsonic Child (needs artist, album (+ album.artist) and genre joined)."""
    notes = notes or Annotations()
    duration = _seconds(track.duration_ms)
    bitrate = int(round(track.file_size * 8 / track.duration_ms)) if track.file_size and track.duration_ms else None
    replay_gain = {"trackGain": track.replay_gain_track_db, "trackPeak": track.replay_gain_track_peak,
                   "albumGain": track.replay_gain_album_db, "albumPeak": track.replay_gain_album_peak}
    replay_gain = {k: v for k, v in replay_gain.items() if v is not None}
    year = track.album.release_date.year if track.album_id and track.album.release_date else None
    return {
        "id": song_id(track.pk), "parent": album_id(track.album_id) if track.album_id else artist_id(track.artist_id),
        "isDir": False, "title": track.title, "album": track.album.title if track.album_id else None,
        **track_artists(track),
        "track": track.track_number, "discNumber": track.disc_number, "year": year,
        "genre": track.genre.name if track.genre_id else None,
        "genres": [{"name": track.genre.name}] if track.genre_id else [],
        "coverArt": song_id(track.pk), "size": track.file_size, "contentType": track.mime_type or None,
        "suffix": _suffix(track), "duration": duration, "bitRate": bitrate,
        "path": None, "isVideo": False, "created": iso(track.created_at),
        "albumId": album_id(track.album_id) if track.album_id else None,
        "type": "music", "mediaType": "song", "bpm": int(round(track.tempo)) if track.tempo else None,
        "musicBrainzId": str(track.musicbrainz_recording_id) if track.musicbrainz_recording_id else None,
        "isrc": [track.isrc] if track.isrc else [],
        "replayGain": replay_gain or None,
        **notes.of("track", track.pk),
    }


def album(album_obj, notes: Annotations | None = None, *, songs: list[dict] | None = None) -> dict:
    """An album as AlbumID3 (needs artist joined and the annotations of subsonic.selectors.albums_for)."""
    notes = notes or Annotations()
    genre = getattr(album_obj, "genre_name", None)
    body = {
        "id": album_id(album_obj.pk), "name": album_obj.title, **album_artists(album_obj),
        "coverArt": album_id(album_obj.pk), "songCount": int(getattr(album_obj, "song_count", 0) or 0),
        "duration": _seconds(getattr(album_obj, "duration_ms", 0)), "created": iso(album_obj.created_at),
        "year": album_obj.release_date.year if album_obj.release_date else None,
        "genre": genre, "genres": [{"name": genre}] if genre else [],
        "playCount": getattr(album_obj, "play_count", None),
        "isCompilation": bool(getattr(album_obj, "is_compilation", False)),
        "releaseDate": ({"year": album_obj.release_date.year, "month": album_obj.release_date.month,
                         "day": album_obj.release_date.day} if album_obj.release_date else None),
        "sortName": album_obj.title.lower(),
        **notes.of("album", album_obj.pk),
    }
    if songs is not None:
        body["song"] = songs
    return body


def artist(artist_obj, notes: Annotations | None = None) -> dict:
    """An artist as ArtistID3 (album_count annotated by subsonic.selectors.artists_for)."""
    notes = notes or Annotations()
    return {"id": artist_id(artist_obj.pk), "name": artist_obj.name, "coverArt": artist_id(artist_obj.pk),
            "albumCount": int(getattr(artist_obj, "album_count", 0) or 0), "sortName": artist_obj.name.lower(),
            **notes.of("artist", artist_obj.pk)}


def artist_legacy(artist_obj, notes: Annotations | None = None) -> dict:
    """An artist as the folder-based Artist of getIndexes / getStarred."""
    notes = notes or Annotations()
    return {"id": artist_id(artist_obj.pk), "name": artist_obj.name, **notes.of("artist", artist_obj.pk)}


def album_as_child(album_obj, notes: Annotations | None = None) -> dict:
    """An album as a directory Child (getAlbumList, getMusicDirectory of an artist, search2)."""
    notes = notes or Annotations()
    return {"id": album_id(album_obj.pk), "parent": artist_id(album_obj.artist_id), "isDir": True,
            "title": album_obj.title, "name": album_obj.title, "album": album_obj.title,
            "artist": album_obj.artist.name, "artistId": artist_id(album_obj.artist_id),
            "year": album_obj.release_date.year if album_obj.release_date else None,
            "genre": getattr(album_obj, "genre_name", None), "coverArt": album_id(album_obj.pk),
            "duration": _seconds(getattr(album_obj, "duration_ms", 0)),
            "songCount": int(getattr(album_obj, "song_count", 0) or 0), "created": iso(album_obj.created_at),
            **notes.of("album", album_obj.pk)}


def playlist(playlist_obj, *, songs: list[dict] | None = None) -> dict:
    body = {"id": playlist_id(playlist_obj.pk), "name": playlist_obj.title, "comment": playlist_obj.description,
            "owner": playlist_obj.owner.username, "public": playlist_obj.is_public,
            "songCount": int(getattr(playlist_obj, "track_count", 0) or 0),
            "duration": _seconds(getattr(playlist_obj, "duration_ms", 0)), "created": iso(playlist_obj.created_at),
            "changed": iso(playlist_obj.updated_at), "coverArt": playlist_id(playlist_obj.pk)}
    if songs is not None:
        body["entry"] = songs
    return body
