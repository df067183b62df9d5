"""Playlists: getPlaylists, getPlaylist, createPlaylist, updatePlaylist, deletePlaylist, through playlists' services."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from playlists import selectors as playlist_selectors, services as playlist_services
from playlists.models import Playlist, PlaylistTrack

from . import selectors, serializers as s
from .envelope import MISSING_PARAMETER, NOT_AUTHORIZED, SubsonicError, missing, not_found
from .lists import songs_answer
from .params import parse_id
from .registry import method


def _playlist_pk(value: str) -> int:
    return parse_id(value, s.PLAYLIST_PREFIX, what="Playlist")


def _song_pks(ctx, values: list[str]) -> list[int]:
    """The track ids of these song ids, all of which the user may play; NOT FOUND otherwise (nothing changes)."""
    pks = [parse_id(v, what="Song") for v in values]
    known = set(selectors.tracks_for(ctx.user).filter(pk__in=set(pks)).values_list("pk", flat=True))
    if set(pks) - known:
        raise not_found("Song")
    return pks


@method("getPlaylists")
def get_playlists(ctx):
    owner = ctx.params.get("username")
    owner_id = None
    if owner:
        found = get_user_model().objects.filter(username__iexact=owner).first()
        if found is None:
            raise not_found("User")
        owner_id = found.pk
    playlists = selectors.playlists_with_visible_totals(
        playlist_selectors.playlist_list_for_user(user=ctx.user, owner_id=owner_id), ctx.user)[:1000]
    return {"playlists": {"playlist": [s.playlist(p) for p in playlists]}}


def playlist_answer(ctx, pk: int) -> dict:
    try:
        playlist = playlist_selectors.playlist_get(playlist_id=pk, user=ctx.user, totals=False)  # counted below
    except Playlist.DoesNotExist:
        raise not_found("Playlist") from None
    entries = PlaylistTrack.objects.filter(playlist=playlist).order_by("position")
    tracks = selectors.tracks_for(ctx.user).in_bulk(list(entries.values_list("track_id", flat=True)))
    ordered = [tracks[tid] for tid in entries.values_list("track_id", flat=True) if tid in tracks]
    songs = songs_answer(ctx, ordered)
    body = s.playlist(playlist, songs=songs)
    body["songCount"], body["duration"] = len(songs), sum(song.get("duration", 0) for song in songs)
    body["readonly"] = playlist.owner_id != ctx.user.pk
    return {"playlist": body}


@method("getPlaylist")
def get_playlist(ctx):
    return playlist_answer(ctx, _playlist_pk(ctx.params.required("id")))


def _replace_songs(ctx, pk: int, song_pks: list[int]) -> None:
    count = PlaylistTrack.objects.filter(playlist_id=pk).count()
    for position in range(count - 1, -1, -1):
        playlist_services.playlist_track_remove(actor=ctx.user, playlist_id=pk, position=position)
    for track_pk in song_pks:
        playlist_services.playlist_track_add(actor=ctx.user, playlist_id=pk, track_id=track_pk)


@method("createPlaylist")
def create_playlist(ctx):
    """With `name`: a new playlist of the songs given; with `playlistId`: that playlist's songs replaced."""
    params = ctx.params
    song_pks = _song_pks(ctx, params.list("songId"))
    with transaction.atomic():
        if params.get("playlistId"):
            pk = _playlist_pk(params.get("playlistId"))
            _owned(ctx, pk)
            if params.get("name"):
                playlist_services.playlist_update(actor=ctx.user, playlist_id=pk, title=params.get("name"))
        else:
            name = params.get("name")
            if not name:
                raise missing("name")
            pk = playlist_services.playlist_create(owner=ctx.user, title=name[:255]).pk
        _replace_songs(ctx, pk, song_pks)
    return playlist_answer(ctx, pk)


def _owned(ctx, pk: int) -> None:
    playlist = Playlist.objects.visible_to(ctx.user).filter(pk=pk).first()
    if playlist is None:
        raise not_found("Playlist")
    if not playlist_selectors.playlist_page_editable(playlist=playlist, user=ctx.user):
        raise SubsonicError(NOT_AUTHORIZED, "Only the playlist's owner may change it.")


@method("updatePlaylist")
def update_playlist(ctx):
    params = ctx.params
    pk = _playlist_pk(params.required("playlistId"))
    _owned(ctx, pk)
    add = _song_pks(ctx, params.list("songIdToAdd"))
    indexes = set(params.list("songIndexToRemove"))
    if not all(v.isdigit() and len(v) < 9 for v in indexes):
        raise SubsonicError(MISSING_PARAMETER, "Each songIndexToRemove must be a 0-based position.")
    remove = sorted((int(v) for v in indexes), reverse=True)
    if remove and remove[0] >= PlaylistTrack.objects.filter(playlist_id=pk).count():
        raise not_found("Playlist entry")
    changes = {}
    if params.get("name") is not None:
        changes["title"] = params.get("name")[:255]
    if params.get("comment") is not None:
        changes["description"] = params.get("comment")
    if params.get("public") is not None:
        changes["is_public"] = params.bool("public")
    with transaction.atomic():
        if changes:
            playlist_services.playlist_update(actor=ctx.user, playlist_id=pk, **changes)
        for position in remove:  # from the end, so earlier positions stay where the client saw them
            playlist_services.playlist_track_remove(actor=ctx.user, playlist_id=pk, position=position)
        for track_pk in add:
            playlist_services.playlist_track_add(actor=ctx.user, playlist_id=pk, track_id=track_pk)
    return {}


@method("deletePlaylist")
def delete_playlist(ctx):
    pk = _playlist_pk(ctx.params.required("id"))
    _owned(ctx, pk)
    playlist_services.playlist_delete(actor=ctx.user, playlist_id=pk)
    return {}
