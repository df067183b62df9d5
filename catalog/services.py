"""Catalog writes: artists, albums and track metadata. Every write invalidates the API cache."""
from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import user_can_edit_catalog_object, user_is_admin, user_is_artist

from search.services import search_index_enqueue, search_index_track_changes

from .cache import catalog_cache_invalidate
from .models import Album, AlbumArtist, Artist, CreditRole, Genre, Track, TrackArtist

_UNSET: Any = object()

TRACK_EDITABLE_FIELDS = (
    "title", "track_number", "disc_number", "duration_ms", "tempo", "energy", "valence",
)


def _require_can_edit(actor, obj) -> None:
    if not user_can_edit_catalog_object(actor, obj):
        raise PermissionDenied("You may only change your own catalog entries.")


def _artist_for_actor(*, actor, artist_id: int | None) -> Artist:
    """The artist a new album/track belongs to: any for admins, their own for artists."""
    if user_is_admin(actor):
        if artist_id is None:
            raise ValidationError({"artist_id": "Admins must name the artist."})
        try:
            return Artist.objects.get(pk=artist_id)
        except Artist.DoesNotExist:
            raise ValidationError({"artist_id": "No artist with this id."}) from None
    own = Artist.objects.filter(user=actor).first() if actor and actor.is_authenticated else None
    if own is None:
        raise PermissionDenied("Only artists with an artist profile and admins may do this.")
    if artist_id is not None and artist_id != own.pk:
        raise PermissionDenied("You may only add to your own artist profile.")
    return own


def _resolve_album(*, album_id: int | None, artist: Artist) -> Album | None:
    if album_id is None:
        return None
    album = Album.objects.filter(pk=album_id).first()
    if album is None:
        raise ValidationError({"album_id": "No album with this id."})
    if album.artist_id != artist.pk:
        raise ValidationError({"album_id": "The album belongs to another artist."})
    return album


def _resolve_genre(*, genre_id: int | None) -> Genre | None:
    if genre_id is None:
        return None
    genre = Genre.objects.filter(pk=genre_id).first()
    if genre is None:
        raise ValidationError({"genre_id": "No genre with this id."})
    return genre


def _save(obj) -> None:
    obj.full_clean()
    obj.save()
    catalog_cache_invalidate()
    _index(obj)


def _index(obj) -> None:
    """Queue the search documents this row's change touches (sent after commit, in one batch)."""
    if isinstance(obj, Track):
        search_index_track_changes(tracks=[obj])
    elif isinstance(obj, Album):
        search_index_enqueue(entity="album", ids=[obj.pk])
        search_index_enqueue(entity="track", ids=obj.tracks.values_list("pk", flat=True))  # they carry its title
    elif isinstance(obj, Artist):
        from .selectors import album_credited_to, credited_on

        search_index_enqueue(entity="artist", ids=[obj.pk])
        # they carry its name: as owner or as any credit
        search_index_enqueue(entity="album", ids=Album.objects.filter(album_credited_to(obj)).values_list("pk", flat=True))
        search_index_enqueue(entity="track", ids=Track.objects.filter(credited_on(obj)).values_list("pk", flat=True))


def _apply(obj, changes: dict[str, Any]) -> list[str]:
    """Set the given attributes; return the names of those whose value really changed."""
    changed = []
    for field, value in changes.items():
        if obj._meta.get_field(field).is_relation:  # compare ids: no query for the old related row
            same = getattr(obj, f"{field}_id") == (value.pk if value is not None else None)
        else:
            same = getattr(obj, field) == value
        if not same:
            setattr(obj, field, value)
            changed.append(field)
    return changed


def _save_changed(obj, changed: list[str]) -> None:
    """Validate and write only the changed columns (and updated_at), so a concurrent write of
    another column (popularity by the aggregates step, a status by the pipeline) is kept."""
    if not changed:
        return
    obj.full_clean()
    obj.save(update_fields=[*changed, "updated_at"])
    catalog_cache_invalidate()
    _index(obj)


# --- artists ---------------------------------------------------------------------------

@transaction.atomic
def artist_create(*, actor, name: str, bio: str = "", country: str = "") -> Artist:
    """Admins create any artist; an artist user creates their own profile, once."""
    if user_is_admin(actor):
        artist = Artist(name=name, bio=bio, country=country)
    elif user_is_artist(actor):
        if Artist.objects.filter(user=actor).exists():
            raise ValidationError("You already have an artist profile.")
        artist = Artist(user=actor, name=name, bio=bio, country=country)
    else:
        raise PermissionDenied("Only artists and admins may do this.")
    _save(artist)
    return artist


@transaction.atomic
def artist_update(*, actor, artist: Artist, name: str = _UNSET, bio: str = _UNSET, country: str = _UNSET) -> Artist:
    _require_can_edit(actor, artist)
    changes = {field: value for field, value in (("name", name), ("bio", bio), ("country", country))
               if value is not _UNSET}
    _save_changed(artist, _apply(artist, changes))
    return artist


# --- albums ----------------------------------------------------------------------------

@transaction.atomic
def album_create(*, actor, title: str, artist_id: int | None = None, release_date: date | None = None) -> Album:
    artist = _artist_for_actor(actor=actor, artist_id=artist_id)
    album = Album(artist=artist, title=title, release_date=release_date)
    _save(album)
    AlbumArtist.objects.create(album=album, artist=artist, position=0)
    return album


@transaction.atomic
def album_update(*, actor, album: Album, title: str = _UNSET, release_date: date | None = _UNSET) -> Album:
    _require_can_edit(actor, album)
    changes = {field: value for field, value in (("title", title), ("release_date", release_date))
               if value is not _UNSET}
    _save_changed(album, _apply(album, changes))
    return album


# --- tracks ----------------------------------------------------------------------------

@transaction.atomic
def track_create(
    *,
    actor,
    title: str,
    artist_id: int | None = None,
    album_id: int | None = None,
    genre_id: int | None = None,
    **metadata,
) -> Track:
    """Create a track's metadata (no audio yet: it stays `pending` until an upload is processed)."""
    unknown = set(metadata) - set(TRACK_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"track_create() got unexpected fields {sorted(unknown)}")
    artist = _artist_for_actor(actor=actor, artist_id=artist_id)
    track = Track(
        artist=artist, title=title,
        album=_resolve_album(album_id=album_id, artist=artist),
        genre=_resolve_genre(genre_id=genre_id),
        **metadata,
    )
    _save(track)
    TrackArtist.objects.create(track=track, artist=artist, position=0, role=CreditRole.MAIN)
    return track


@transaction.atomic
def track_update(
    *, actor, track: Track, album_id: int | None = _UNSET, genre_id: int | None = _UNSET, **changes
) -> Track:
    """Change a track's metadata; only its artist's owner or an admin may. Only changed columns are written."""
    _require_can_edit(actor, track)
    unknown = set(changes) - set(TRACK_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"track_update() got unexpected fields {sorted(unknown)}")
    search_index_enqueue(entity="album", ids=[track.album_id])  # the album it may leave
    if album_id is not _UNSET:
        changes["album"] = _resolve_album(album_id=album_id, artist=track.artist)
    if genre_id is not _UNSET:
        changes["genre"] = _resolve_genre(genre_id=genre_id)
    _save_changed(track, _apply(track, changes))
    return track


@transaction.atomic
def track_delete(*, actor, track: Track) -> None:
    """Delete a track; playlists that held it close the gap so positions stay dense."""
    from playlists.services import playlists_drop_track

    _require_can_edit(actor, track)
    playlists_drop_track(track_id=track.pk)
    search_index_track_changes(tracks=[track])  # the id leaves the index, its artist and album are re-ranked
    track.delete()
    catalog_cache_invalidate()


# --- covers and album deletion (the artists' studio pages and any other caller) ------------------

def album_cover_set(*, actor, album: Album, data: bytes) -> Album:
    """Replace an album's cover with `data` after the same checks as every cover (catalog.covers).

    The image is re-encoded as a JPEG of at most 600 px a side: what was sent is never stored
    as is (no hostile image reaches a listener's browser).
    """
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from .covers import open_cover

    _require_can_edit(actor, album)
    image = open_cover(data)  # CoverRejected (a ValueError with the reason) for a bad image
    biggest = max(settings.COVER_SIZES)
    image.thumbnail((biggest, biggest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    old = album.cover_image.name if album.cover_image else None
    with transaction.atomic():
        album.cover_image.save(f"album-{album.pk}.jpg", ContentFile(out.getvalue()), save=False)
        album.save(update_fields=["cover_image", "updated_at"])
        catalog_cache_invalidate()
    if old and old != album.cover_image.name:
        album.cover_image.storage.delete(old)
    return album


def track_cover_set(*, actor, track: Track, data: bytes) -> Track:
    """Replace a track's cover thumbnails (64/300/600) with `data`, checked as every cover is."""
    _require_can_edit(actor, track)
    from .covers import cover_store_for_track

    cover_store_for_track(track_id=track.pk, data=data)  # CoverRejected for a bad image
    Track.objects.filter(pk=track.pk).update(updated_at=timezone.now())
    catalog_cache_invalidate()

@transaction.atomic
def album_delete(*, actor, album: Album) -> None:
    """Delete an album and its tracks; playlists that held them close their gaps, favourites of them go."""
    from playlists.services import playlists_drop_track

    _require_can_edit(actor, album)
    tracks = list(Track.objects.filter(album=album).order_by("pk"))
    for track in tracks:
        playlists_drop_track(track_id=track.pk)
    search_index_track_changes(tracks=tracks)
    search_index_enqueue(entity="album", ids=[album.pk])
    Track.objects.filter(pk__in=[track.pk for track in tracks]).delete()
    album.delete()
