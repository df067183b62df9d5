"""Annotation: star, unstar, setRating, scrobble — through playlists' favourites and annotations and the one listen service."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.models import DeviceType, ListeningHistory, Platform
from analytics.services import listen_record
from playlists import annotations, services as playlist_services

from . import serializers as s
from .browsing import track_for
from .envelope import GENERIC, MISSING_PARAMETER, SubsonicError, missing, not_found
from .lists import now_playing_set
from .params import parse_id
from .registry import method


def _targets(ctx) -> list[tuple[str, int]]:
    """(kind, pk) of every id/albumId/artistId given; an `id` may name a song, an album or an artist."""
    params, found = ctx.params, []
    for value in params.list("id"):
        if value.startswith(s.ALBUM_PREFIX):
            found.append(("album", parse_id(value, s.ALBUM_PREFIX, what="Album")))
        elif value.startswith(s.ARTIST_PREFIX):
            found.append(("artist", parse_id(value, s.ARTIST_PREFIX, what="Artist")))
        else:
            found.append(("track", parse_id(value, what="Song")))
    found += [("album", parse_id(v, s.ALBUM_PREFIX, what="Album")) for v in params.list("albumId")]
    found += [("artist", parse_id(v, s.ARTIST_PREFIX, what="Artist")) for v in params.list("artistId")]
    if not found:
        raise missing("id")
    return found


@method("star")
def star(ctx):
    from catalog.models import Track

    targets = _targets(ctx)
    with transaction.atomic():
        for kind, pk in targets:
            if kind == "track":
                try:
                    playlist_services.favorite_add(user=ctx.user, track_id=pk)
                except Track.DoesNotExist:
                    raise not_found("Song") from None
            else:
                annotations.star_add(user=ctx.user, kind=kind, item_id=pk)
    return {}


@method("unstar")
def unstar(ctx):
    for kind, pk in _targets(ctx):
        if kind == "track":
            playlist_services.favorite_remove(user=ctx.user, track_id=pk)
        else:
            annotations.star_remove(user=ctx.user, kind=kind, item_id=pk)
    return {}


@method("setRating")
def set_rating(ctx):
    value = ctx.params.required("id")
    rating = ctx.params.required_int("rating", maximum=5)
    if value.startswith(s.ALBUM_PREFIX):
        kind, pk = "album", parse_id(value, s.ALBUM_PREFIX, what="Album")
    elif value.startswith(s.ARTIST_PREFIX):
        kind, pk = "artist", parse_id(value, s.ARTIST_PREFIX, what="Artist")
    else:
        kind, pk = "track", parse_id(value, what="Song")
    annotations.rating_set(user=ctx.user, kind=kind, item_id=pk, rating=rating)
    return {}


def _is_resend(*, user, track, played_at) -> bool:
    """A scrobble the client sent again (same track, ending within a few seconds of one already recorded)."""
    return ListeningHistory.objects.filter(user=user, track=track, played_at__gte=played_at - timedelta(seconds=5),
                                           played_at__lte=played_at + timedelta(seconds=5)).exists()


@method("scrobble")
def scrobble(ctx):
    """submission=true (default): one listen per id, recorded like POST /api/v1/analytics/listen; false: now playing."""
    params = ctx.params
    ids = params.list("id")
    if not ids:
        raise missing("id")
    times = params.list("time")
    if times and len(times) != len(ids):
        raise SubsonicError(MISSING_PARAMETER, "Give one time per id, or none.")
    try:
        times_ms = [int(float(t)) for t in times if len(t) < 24]  # some clients send 1764650000000.0
    except ValueError:
        times_ms = []
    if len(times_ms) != len(times) or not all(0 < t < 2**53 for t in times_ms):
        raise SubsonicError(MISSING_PARAMETER, "Parameter 'time' must be milliseconds since 1970.")
    tracks = [track_for(ctx, value) for value in ids]
    if not params.bool("submission", True):
        now_playing_set(user=ctx.user, track_id=tracks[-1].pk, client=ctx.client)
        return {}
    now = timezone.now()
    for index, track in enumerate(tracks):
        duration_ms = track.duration_ms or 0
        if times:
            started = datetime.fromtimestamp(times_ms[index] / 1000, tz=dt_timezone.utc)
            played_at = min(started + timedelta(milliseconds=duration_ms), now)
        else:
            played_at = now
        try:
            listen_record(user=ctx.user, track=track, play_duration_ms=duration_ms, completion_percentage=100.0,
                          platform=Platform.SUBSONIC, device_type=DeviceType.OTHER, played_at=played_at)
        except ValidationError as exc:
            if _is_resend(user=ctx.user, track=track, played_at=played_at):
                continue  # already counted once: a retry must not count twice nor fail the client
            messages = "; ".join(" ".join(v) for v in getattr(exc, "message_dict", {"": exc.messages}).values())
            raise SubsonicError(GENERIC, messages) from exc
    return {}
