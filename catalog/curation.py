"""Staff curation of the catalog: the admin's actions (merge, move, genre, hide, re-index, re-process).

Staff only. Each function is one transaction; search and the API cache follow on commit.
The writes that artists make on their own entries live in catalog/services.py, whose helpers
(`_save`, `_save_changed`, `track_delete`) these reuse so one save path validates everything.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from accounts.permissions import user_is_admin

from search.services import search_index_enqueue, search_index_track_changes

from .cache import catalog_cache_invalidate
from .models import Album, AlbumArtist, Artist, Genre, Track, TrackArtist
from .services import _save, _save_changed, track_delete



def _require_admin(actor) -> None:
    if not user_is_admin(actor):
        raise PermissionDenied("Only admins may curate the catalog.")


def _ids(values) -> list[int]:
    return sorted({int(getattr(v, "pk", v)) for v in values})


def _aliases_merged(keep: Artist, names) -> list[str]:
    """keep's aliases plus `names`, without duplicates (any case) and without keep's own name."""
    seen = {keep.name.casefold()}
    result = []
    for name in [*keep.aliases, *names]:
        name = (name or "").strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name[:255])
    return result


@transaction.atomic
def artist_merge(*, actor, keep: Artist, duplicates) -> Artist:
    """Merge duplicate artists into `keep`: their albums and tracks move, their names become aliases, they go.

    An artist profile linked to an account moves to `keep` when `keep` has none; two linked
    profiles are refused (two accounts cannot share one artist).
    """
    _require_admin(actor)
    dup_ids = [pk for pk in _ids(duplicates) if pk != keep.pk]
    if not dup_ids:
        raise ValidationError("Choose at least one duplicate besides the artist to keep.")
    locked = {a.pk: a for a in Artist.objects.select_for_update().filter(pk__in=[keep.pk, *dup_ids]).order_by("pk")}
    if keep.pk not in locked or len(locked) != len(dup_ids) + 1:
        raise ValidationError("An artist to merge no longer exists.")
    keep, dups = locked[keep.pk], [locked[pk] for pk in dup_ids]
    linked = [a for a in [keep, *dups] if a.user_id is not None]
    if len(linked) > 1:
        raise ValidationError("More than one of these artists belongs to an account; unlink all but one first.")
    moved_tracks = list(Track.objects.filter(artist_id__in=dup_ids).values_list("pk", flat=True))
    moved_albums = list(Album.objects.filter(artist_id__in=dup_ids).values_list("pk", flat=True))
    Album.objects.filter(pk__in=moved_albums).update(artist=keep)
    Track.objects.filter(pk__in=moved_tracks).update(artist=keep)
    credited_tracks, credited_albums = _credits_move(keep=keep, dup_ids=dup_ids)
    moved_tracks = sorted({*moved_tracks, *credited_tracks})
    moved_albums = sorted({*moved_albums, *credited_albums})
    keep.aliases = _aliases_merged(keep, [n for d in dups for n in (d.name, *d.aliases)])
    owner = linked[0].user_id if linked else None
    if not keep.bio:
        keep.bio = next((d.bio for d in dups if d.bio), "")
    if not keep.country:
        keep.country = next((d.country for d in dups if d.country), "")
    Artist.objects.filter(pk__in=dup_ids).update(user=None)  # free the one-to-one before keep takes it
    Artist.objects.filter(pk__in=dup_ids).delete()
    keep.user_id = owner
    keep.save(update_fields=["aliases", "bio", "country", "user", "updated_at"])
    catalog_cache_invalidate()
    search_index_enqueue(entity="artist", ids=[keep.pk, *dup_ids])  # the duplicates leave the index
    search_index_enqueue(entity="album", ids=moved_albums)
    search_index_enqueue(entity="track", ids=moved_tracks)
    return keep


def _credits_move(*, keep: Artist, dup_ids: list[int]) -> tuple[list[int], list[int]]:
    """Credit rows naming a duplicate name `keep` instead (a row where keep is already credited goes).

    Returns the tracks and albums whose credits changed, for re-indexing.
    """
    tracks, albums = set(), set()
    for model, owner in ((TrackArtist, "track_id"), (AlbumArtist, "album_id")):
        rows = model.objects.filter(artist_id__in=dup_ids)
        touched = set(rows.values_list(owner, flat=True))
        already = set(model.objects.filter(artist=keep, **{f"{owner}__in": touched}).values_list(owner, flat=True))
        rows.filter(**{f"{owner}__in": already}).delete()  # keep is credited there already: one credit each
        model.objects.filter(artist_id__in=dup_ids).update(artist=keep)
        (tracks if model is TrackArtist else albums).update(touched)
    return sorted(tracks), sorted(albums)


@transaction.atomic
def album_merge(*, actor, keep: Album, duplicates) -> Album:
    """Merge duplicate albums of one artist into `keep`: their tracks move, the duplicates go."""
    _require_admin(actor)
    dup_ids = [pk for pk in _ids(duplicates) if pk != keep.pk]
    if not dup_ids:
        raise ValidationError("Choose at least one duplicate besides the album to keep.")
    locked = {a.pk: a for a in Album.objects.select_for_update().filter(pk__in=[keep.pk, *dup_ids]).order_by("pk")}
    if keep.pk not in locked or len(locked) != len(dup_ids) + 1:
        raise ValidationError("An album to merge no longer exists.")
    keep, dups = locked[keep.pk], [locked[pk] for pk in dup_ids]
    if any(d.artist_id != keep.artist_id for d in dups):
        raise ValidationError("Only albums of the same artist can be merged; merge the artists first.")
    moved = list(Track.objects.filter(album_id__in=dup_ids).values_list("pk", flat=True))
    Track.objects.filter(pk__in=moved).update(album=keep)
    changed = []
    if not keep.cover_image:
        cover = next((d.cover_image for d in dups if d.cover_image), None)
        if cover:
            keep.cover_image, changed = cover, [*changed, "cover_image"]
    if keep.release_date is None:
        released = next((d.release_date for d in dups if d.release_date), None)
        if released:
            keep.release_date, changed = released, [*changed, "release_date"]
    Album.objects.filter(pk__in=dup_ids).delete()
    if changed:
        keep.save(update_fields=[*changed, "updated_at"])
    catalog_cache_invalidate()
    search_index_enqueue(entity="album", ids=[keep.pk, *dup_ids])
    search_index_enqueue(entity="track", ids=moved)
    search_index_enqueue(entity="artist", ids=[keep.artist_id])
    return keep


@transaction.atomic
def tracks_move_to_album(*, actor, track_ids, album: Album) -> int:
    """Move tracks to `album` (of their own artist, as track_update requires); return how many moved."""
    _require_admin(actor)
    tracks = list(Track.objects.select_for_update().filter(pk__in=_ids(track_ids)).order_by("pk"))
    foreign = [t.title for t in tracks if t.artist_id != album.artist_id]
    if foreign:
        raise ValidationError({"album_id": f"The album belongs to another artist than: {', '.join(foreign[:5])}."})
    moved = [t for t in tracks if t.album_id != album.pk]
    search_index_enqueue(entity="album", ids=[t.album_id for t in moved])  # the albums they leave
    Track.objects.filter(pk__in=[t.pk for t in moved]).update(album=album)
    if moved:
        catalog_cache_invalidate()
        search_index_enqueue(entity="album", ids=[album.pk])
        search_index_enqueue(entity="track", ids=[t.pk for t in moved])
    return len(moved)


@transaction.atomic
def tracks_genre_set(*, actor, track_ids, genre: Genre | None) -> int:
    """Set the genre of tracks by hand (like a tag, it beats the model: no confidence); return how many changed."""
    _require_admin(actor)
    rows = Track.objects.filter(pk__in=_ids(track_ids)).exclude(genre=genre) if genre else \
        Track.objects.filter(pk__in=_ids(track_ids), genre__isnull=False)
    changed = list(rows.values_list("pk", "artist_id", "album_id"))
    Track.objects.filter(pk__in=[c[0] for c in changed]).update(genre=genre, genre_confidence=None)
    if changed:
        catalog_cache_invalidate()
        search_index_enqueue(entity="track", ids=[c[0] for c in changed])
        search_index_enqueue(entity="artist", ids=[c[1] for c in changed])  # genre filters of artists and albums
        search_index_enqueue(entity="album", ids=[c[2] for c in changed])
    return len(changed)


@transaction.atomic
def tracks_hidden_set(*, actor, track_ids, hidden: bool) -> int:
    """Hide tracks from listings, search and Subsonic (or show them again); return how many changed.

    Playlists keep their entries (positions stay as they are, dense); visible_to leaves a
    hidden track out of what non-admins see.
    """
    _require_admin(actor)
    changed = list(Track.objects.filter(pk__in=_ids(track_ids)).exclude(hidden=hidden)
                   .values_list("pk", "artist_id", "album_id"))
    Track.objects.filter(pk__in=[c[0] for c in changed]).update(hidden=hidden)
    if changed:
        catalog_cache_invalidate()
        search_index_enqueue(entity="track", ids=[c[0] for c in changed])
        search_index_enqueue(entity="artist", ids=[c[1] for c in changed])
        search_index_enqueue(entity="album", ids=[c[2] for c in changed])
    return len(changed)


def catalog_reindex(*, actor, entity: str, ids) -> int:
    """Rebuild the search entries of these rows now (Elasticsearch: send them; PostgreSQL: re-run the triggers)."""
    from search.services import search_index_changes, suggest_cache_invalidate

    _require_admin(actor)
    ids = _ids(ids)
    model = {"track": Track, "album": Album, "artist": Artist}.get(entity)
    if model is None:
        raise ValidationError({"entity": "Choose track, album or artist."})
    if model is not Artist:  # artists' search columns are generated: always current
        with transaction.atomic():
            model.objects.filter(pk__in=ids).update(title=models.F("title"))
    # The rebuilt entries must not hide behind cached rankings and suggestions.
    transaction.on_commit(suggest_cache_invalidate, robust=True)
    return search_index_changes(changes={entity: ids})


def tracks_reprocess_enqueue(*, actor, track_ids) -> int:
    """Queue re-processing of tracks (re-read tags, recompute features and genre) once this transaction commits."""
    _require_admin(actor)
    ids = list(Track.objects.filter(pk__in=_ids(track_ids)).exclude(file_path="").values_list("pk", flat=True))

    def send():
        from .tasks import track_reprocess_task

        for pk in ids:
            track_reprocess_task.delay(pk)

    transaction.on_commit(send, robust=True)
    return len(ids)


def track_reprocess(*, track_id: int) -> Track:
    """Read a track's file again: tags, duration, audio features, genre (tag, else the model).

    A file that no longer decodes or is missing leaves the track `failed` with the reason.
    """
    import os

    from catalog.audio import AudioRejected
    from etl.pipeline.process import _genre_for_tag, read_file, title_from_filename
    from jonquils.storage import bucket_storage, local_copy, object_stat

    from .models import ProcessingStatus

    track = Track.objects.get(pk=track_id)
    storage = bucket_storage("tracks")
    try:
        if not track.file_path or object_stat(storage, track.file_path) is None:
            raise AudioRejected("The track's file is no longer in storage; upload it again.")
        with local_copy(storage, track.file_path, suffix=os.path.splitext(track.file_path)[1]) as path:
            facts = read_file(path, checksum=track.checksum)
    except AudioRejected as exc:
        Track.objects.filter(pk=track_id).update(processing_status=ProcessingStatus.FAILED, processing_error=str(exc))
        catalog_cache_invalidate()
        return Track.objects.get(pk=track_id)
    fields = dict(facts.track_fields)
    tagged = _genre_for_tag(facts.tags.get("genre") or "")
    if tagged is not None:
        fields.update(genre_id=tagged.pk, genre_confidence=None)
    tags = facts.tags
    fields.update(duration_ms=max(1, round(facts.decoded_s * 1000)), mime_type=facts.info.format.mime_type,
                  processing_status=ProcessingStatus.READY, processing_error="")
    if tags.get("title"):
        fields["title"] = tags["title"][:255]
    elif not track.title:
        fields["title"] = title_from_filename(track.file_path)
    if tags.get("track_number"):
        fields["track_number"] = tags["track_number"]
    with transaction.atomic():
        Track.objects.filter(pk=track_id).update(**fields)
        track = Track.objects.get(pk=track_id)
        catalog_cache_invalidate()
        search_index_track_changes(tracks=[track])
    return track


def catalog_object_staff_save(*, actor, obj, changed: list[str] | None = None):
    """Save a staff edit of an artist, album, track or genre from admin: validated, then cache and search follow.

    `changed` names the edited fields (None: a new row). A track that moves to another artist
    or album re-indexes the ones it leaves too.
    """
    _require_admin(actor)
    if obj.pk is None or changed is None:
        _save(obj)
        return obj
    if isinstance(obj, Track):
        before = Track.objects.filter(pk=obj.pk).values("artist_id", "album_id").first() or {}
        search_index_enqueue(entity="artist", ids=[before.get("artist_id")])
        search_index_enqueue(entity="album", ids=[before.get("album_id")])
    fields = [f for f in changed if not obj._meta.get_field(f).many_to_many]
    if isinstance(obj, Genre):
        if fields:
            obj.full_clean()
            obj.save(update_fields=fields)
            catalog_cache_invalidate()
            search_index_enqueue(entity="track", ids=obj.tracks.values_list("pk", flat=True))
        return obj
    _save_changed(obj, fields)
    return obj


@transaction.atomic
def catalog_object_staff_delete(*, actor, obj) -> None:
    """Delete an artist, album, track or genre from admin; playlists close the gaps of the tracks that go."""
    from playlists.services import playlists_drop_track

    _require_admin(actor)
    if isinstance(obj, Track):
        track_delete(actor=actor, track=obj)
        return
    if isinstance(obj, Artist):
        track_ids = list(obj.tracks.values_list("pk", flat=True))  # they go with the artist (CASCADE)
        for track_id in track_ids:
            playlists_drop_track(track_id=track_id)
        search_index_enqueue(entity="track", ids=track_ids)
        search_index_enqueue(entity="album", ids=obj.albums.values_list("pk", flat=True))
        search_index_enqueue(entity="artist", ids=[obj.pk])
    elif isinstance(obj, Album):
        search_index_enqueue(entity="track", ids=obj.tracks.values_list("pk", flat=True))
        search_index_enqueue(entity="album", ids=[obj.pk])
    elif isinstance(obj, Genre):
        search_index_enqueue(entity="track", ids=obj.tracks.values_list("pk", flat=True))
    obj.delete()
    catalog_cache_invalidate()
