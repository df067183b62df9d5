"""Media: stream, download, getCoverArt, getLyrics, getLyricsBySongId — catalog's stream plan, transcoder and covers.

Transcodes are admitted before they may wait for one of the server's TRANSCODE_MAX_CONCURRENT
slots (catalog.transcode): at most SUBSONIC_TRANSCODES_PER_USER per user and
SUBSONIC_TRANSCODE_QUEUE on the whole server at once, counted in Redis; past either a request
is refused at once with error 0 ("busy, retry") and Retry-After, so a flood of transcode
requests holds no web thread for long and never starts more encoders than there are slots.
A transcode already in the cache is served without admission (it costs a file read).
"""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from catalog import transcode
from catalog.covers import cover_key
from catalog.media import (
    MediaMissing,
    media_open_range,
    media_stat,
    track_display_filename,
    track_get_downloadable,
)
from catalog.models import Track
from catalog.selectors import ALBUM_TRACK_ORDER
from catalog.stream_plan import REQUESTABLE, StreamPlan, stream_plan_for, stream_served
from catalog.streaming import object_response
from jonquils.storage import bucket_storage, object_stat

from . import serializers as s
from .browsing import track_for
from .envelope import GENERIC, NOT_AUTHORIZED, SubsonicError, not_found
from .params import parse_id
from .registry import method

_SLOT_TTL_S = 300


class TranscodeRefused(SubsonicError):
    def __init__(self, message: str):
        super().__init__(GENERIC, message)


def _take(key: str, limit: int) -> bool:
    cache.add(key, 0, timeout=_SLOT_TTL_S)
    if cache.incr(key) > limit:
        cache.decr(key)
        return False
    return True


@contextmanager
def transcode_admission(user):
    """Hold a place in the user's and the server's transcode allowance (see the module docstring)."""
    user_key, server_key = f"subsonic:transcodes:user:{user.pk}", "subsonic:transcodes:server"
    try:
        if not _take(user_key, settings.SUBSONIC_TRANSCODES_PER_USER):
            raise TranscodeRefused("You have too many transcodes running; retry when one has finished.")
        if not _take(server_key, settings.SUBSONIC_TRANSCODE_QUEUE + settings.TRANSCODE_MAX_CONCURRENT):
            cache.decr(user_key)
            raise TranscodeRefused("The server is busy transcoding; retry in a few seconds.")
    except TranscodeRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - no counter, no admission (as catalog.transcode fails closed)
        raise TranscodeRefused("Transcoding is unavailable for a moment; retry in a few seconds.") from exc
    # What is admitted right now (the counters above also hold refused attempts for an instant).
    held_keys = (f"subsonic:transcodes:held:user:{user.pk}", "subsonic:transcodes:held:server")
    for key in held_keys:
        _take(key, 2**31)
    try:
        yield
    finally:
        for key in (*held_keys, user_key, server_key):
            try:
                cache.decr(key)
            except Exception:  # noqa: BLE001 - the counter expires after _SLOT_TTL_S
                pass


def _plan(ctx, track: Track) -> StreamPlan:
    params = ctx.params
    fmt = (params.get("format") or "").lower() or None
    if fmt is not None and fmt not in REQUESTABLE:
        fmt = None  # a format this server does not make (aac, wma...): its own choice instead
    max_bitrate = params.int("maxBitRate", 0, maximum=10_000) or None
    time_offset = params.int("timeOffset", 0, maximum=24 * 3600)
    plan = stream_plan_for(track, requested_format=fmt, max_bitrate=max_bitrate,
                           accept=ctx.request.META.get("HTTP_ACCEPT"))
    if time_offset and plan.transcoded and plan.fmt != "mp3":
        # Only constant-bitrate MP3 can be entered at a byte offset; seeking asks for MP3.
        plan = StreamPlan(fmt="mp3", bitrate=plan.bitrate or 192)
    return plan


def _served(ctx, track: Track, plan: StreamPlan):
    if not plan.transcoded:
        return stream_served(track=track, plan=plan)
    key = transcode.transcode_key(checksum=track.checksum, fmt=plan.fmt, bitrate=plan.bitrate)
    if object_stat(bucket_storage(transcode.TRANSCODE_BUCKET), key) is not None:
        return stream_served(track=track, plan=plan)
    with transcode_admission(ctx.user):
        return stream_served(track=track, plan=plan)


def _media_errors(call):
    try:
        return call()
    except MediaMissing as exc:
        raise not_found("Media") from exc
    except transcode.TranscodeBusy as exc:
        raise TranscodeRefused(str(exc)) from exc


@method("stream")
def stream(ctx):
    """The audio of a song; Range answers 206 on the original (and on a finished transcode); no play is counted."""
    track = track_for(ctx, ctx.params.required("id"))
    plan = _plan(ctx, track)
    served = _media_errors(lambda: _served(ctx, track, plan))
    time_offset = ctx.params.int("timeOffset", 0, maximum=24 * 3600)
    if plan.transcoded and time_offset:
        start = min(time_offset * (plan.bitrate or 192) * 125, max(served.stat.size - 1, 0))
        response = StreamingHttpResponse(media_open_range(served.storage, served.key, start, served.stat.size - 1),
                                         content_type=served.content_type)
        response["Content-Length"] = str(served.stat.size - start)
        return response
    return object_response(ctx.request, served, allow_redirect=False)


@method("download")
def download(ctx):
    """The original file, byte for byte (the track's artist and admins, as /api/v1/tracks/{id}/download)."""
    pk = parse_id(ctx.params.required("id"), what="Song")
    try:
        track = track_get_downloadable(track_id=pk, user=ctx.user)
    except PermissionDenied as exc:
        raise SubsonicError(NOT_AUTHORIZED, str(exc)) from exc
    except ObjectDoesNotExist as exc:
        raise not_found("Song") from exc
    served = _media_errors(lambda: stream_served(track=track, plan=StreamPlan()))
    response = object_response(ctx.request, served, allow_redirect=False)
    response["Content-Disposition"] = content_disposition_header(True, track_display_filename(track=track))
    return response


def _cover_track_id(ctx, value: str) -> int | None:
    visible = Track.objects.visible_to(ctx.user)
    if value.startswith(s.ALBUM_PREFIX):
        tracks = visible.filter(album_id=parse_id(value, s.ALBUM_PREFIX, what="Album")).order_by(*ALBUM_TRACK_ORDER)
    elif value.startswith(s.ARTIST_PREFIX):
        tracks = visible.filter(artist_id=parse_id(value, s.ARTIST_PREFIX, what="Artist")).order_by("-popularity", "id")
    elif value.startswith(s.PLAYLIST_PREFIX):
        from playlists.models import Playlist, PlaylistTrack

        pk = parse_id(value, s.PLAYLIST_PREFIX, what="Playlist")
        if not Playlist.objects.visible_to(ctx.user).filter(pk=pk).exists():
            raise not_found("Playlist")
        entries = PlaylistTrack.objects.filter(playlist_id=pk, track__in=visible.values("pk")).order_by("position")
        return entries.values_list("track_id", flat=True).first()
    else:
        tracks = visible.filter(pk=parse_id(value, what="Cover art"))
    return tracks.values_list("pk", flat=True).first()


@method("getCoverArt")
def get_cover_art(ctx):
    value = ctx.params.required("id")
    wanted = ctx.params.int("size", max(settings.COVER_SIZES), maximum=10_000)
    size = next((size for size in sorted(settings.COVER_SIZES) if size >= wanted), max(settings.COVER_SIZES))
    track_pk = _cover_track_id(ctx, value)
    if track_pk is None:
        raise not_found("Cover art")
    from catalog.streaming import Served

    storage, key = bucket_storage("covers"), cover_key(track_pk, size)
    try:
        stat = media_stat(storage, key, missing="No cover art.")
    except MediaMissing as exc:
        raise not_found("Cover art") from exc
    return object_response(ctx.request, Served(storage=storage, key=key, stat=stat, content_type="image/jpeg",
                                               etag_value=f"cover-{track_pk}-{size}-{int(stat.modified_at.timestamp())}"),
                           allow_redirect=False)


@method("getLyrics")
def get_lyrics(ctx):
    """Plain lyrics of the first visible song with this artist and title (empty when none has lyrics)."""
    artist, title = ctx.params.get("artist") or "", ctx.params.get("title") or ""
    tracks = Track.objects.visible_to(ctx.user).select_related("artist").exclude(lyrics="", synced_lyrics="")
    if title:
        tracks = tracks.filter(title__iexact=title)
    if artist:
        tracks = tracks.filter(artist__name__iexact=artist)
    track = tracks.order_by("-popularity", "id").first() if (artist or title) else None
    if track is None:
        return {"lyrics": {"value": ""}}
    return {"lyrics": {"artist": track.artist.name, "title": track.title, "value": _plain(track)}}


def _plain(track) -> str:
    from catalog.audio import parse_lrc

    return track.lyrics or "\n".join(text for _, text in parse_lrc(track.synced_lyrics))


@method("getLyricsBySongId")
def get_lyrics_by_song_id(ctx):
    """The songLyrics extension: synced lines (ms) when the file had LRC/SYLT, and the plain text."""
    from catalog.audio import parse_lrc

    track = track_for(ctx, ctx.params.required("id"))
    common = {"displayArtist": track.artist.name, "displayTitle": track.title, "lang": "xxx"}
    found = []
    synced = parse_lrc(track.synced_lyrics) if track.synced_lyrics else []
    if synced:
        found.append({**common, "synced": True, "line": [{"start": ms, "value": text} for ms, text in synced]})
    if track.lyrics:
        found.append({**common, "synced": False, "line": [{"value": line} for line in track.lyrics.splitlines()]})
    return {"lyricsList": {"structuredLyrics": found}}
