"""User, bookmarks and the play queue shared with the web player (/api/v1/me/play-queue)."""
from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.permissions import user_is_admin, user_is_artist_or_admin
from playlists import annotations, selectors as playlist_selectors, services as playlist_services

from . import selectors, serializers as s
from .browsing import track_for
from .envelope import MISSING_PARAMETER, NOT_AUTHORIZED, SubsonicError, iso
from .lists import songs_answer
from .params import parse_id
from .registry import method


def _user_body(user) -> dict:
    admin = user_is_admin(user)
    return {"username": user.username, "email": user.email, "scrobblingEnabled": True, "adminRole": admin,
            "settingsRole": True, "downloadRole": user_is_artist_or_admin(user), "uploadRole": user_is_artist_or_admin(user),
            "playlistRole": True, "coverArtRole": admin, "commentRole": False, "podcastRole": False,
            "streamRole": True, "jukeboxRole": False, "shareRole": False, "videoConversionRole": False,
            "folder": [1]}


@method("getUser")
def get_user(ctx):
    name = ctx.params.required("username")
    if name.casefold() != ctx.user.username.casefold():
        if not user_is_admin(ctx.user):
            raise SubsonicError(NOT_AUTHORIZED, "You may only see your own account.")
        from django.contrib.auth import get_user_model

        other = get_user_model().objects.filter(username__iexact=name).first()
        if other is None:
            from .envelope import not_found

            raise not_found("User")
        return {"user": _user_body(other)}
    return {"user": _user_body(ctx.user)}


@method("getBookmarks")
def get_bookmarks(ctx):
    bookmarks = list(annotations.bookmark_list(user=ctx.user))
    tracks = selectors.tracks_for(ctx.user).in_bulk([b.track_id for b in bookmarks])
    notes = s.Annotations.load(user=ctx.user, tracks=list(tracks.values()))
    return {"bookmarks": {"bookmark": [
        {"position": b.position_ms, "username": ctx.user.username, "comment": b.comment, "created": iso(b.created_at),
         "changed": iso(b.changed_at), "entry": s.song(tracks[b.track_id], notes)}
        for b in bookmarks if b.track_id in tracks]}}


@method("createBookmark")
def create_bookmark(ctx):
    track = track_for(ctx, ctx.params.required("id"))
    position = ctx.params.required_int("position", maximum=2**53)
    annotations.bookmark_save(user=ctx.user, track_id=track.pk, position_ms=position,
                              comment=ctx.params.get("comment") or "")
    return {}


@method("deleteBookmark")
def delete_bookmark(ctx):
    pk = parse_id(ctx.params.required("id"), what="Song")
    annotations.bookmark_delete(user=ctx.user, track_id=pk)
    return {}


@method("getPlayQueue")
def get_play_queue(ctx):
    state = playlist_selectors.play_queue_get(user=ctx.user)
    tracks = selectors.tracks_for(ctx.user).in_bulk(state.track_ids)
    ordered = [tracks[pk] for pk in state.track_ids if pk in tracks]
    body = {"username": ctx.user.username, "changed": iso(state.changed_at) or iso(ctx.user.created_at),
            "changedBy": state.changed_by or "jonquils", "position": state.position_ms,
            "entry": songs_answer(ctx, ordered)}
    if state.track_ids:
        body["current"] = s.song_id(state.track_ids[state.current_index])
    return {"playQueue": body}


@method("savePlayQueue")
def save_play_queue(ctx):
    """Replace the shared queue; `current` names the current song (its first occurrence), `position` the offset in ms."""
    params = ctx.params
    pks = [parse_id(v, what="Song") for v in params.list("id")]
    current_index = 0
    if params.get("current"):
        current = parse_id(params.get("current"), what="Song")
        if current not in pks:
            raise SubsonicError(MISSING_PARAMETER, "'current' must be one of the ids of the queue.")
        current_index = pks.index(current)
    position = params.int("position", 0, maximum=2**53)
    try:
        playlist_services.play_queue_save(user=ctx.user, track_ids=pks, current_index=current_index,
                                          position_ms=position, client=ctx.client)
    except ValidationError as exc:
        from .envelope import not_found

        if "track_ids" in getattr(exc, "message_dict", {}):
            raise not_found("Song") from exc
        raise
    return {}
