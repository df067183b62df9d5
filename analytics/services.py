"""Listening writes: the one listen service (REST API, Subsonic scrobble and the web player call it).

Rules of a listen, in this order, each refusing with a ValidationError naming the field:
- `played_at` (when the listen ended) lies between LISTEN_MAX_AGE_DAYS ago (late, offline
  scrobbles) and LISTEN_MAX_CLOCK_SKEW_S ahead of now (client clocks);
- the track is playable;
- a user cannot hear more than the time that passed: the listen occupies
  [played_at - span, played_at], span = max(play_duration_ms, LISTEN_MIN_SPAN_MS), and may not
  overlap any listen of the same user already recorded by more than LISTEN_OVERLAP_TOLERANCE_MS.
  The floor makes a zero-length listen cost time too (else 1,200 empty "plays" a minute pass).

Locking contract: the overlap check and the insert run in one transaction under a PostgreSQL
advisory lock per user (`pg_advisory_xact_lock`), held until that transaction ends, so two
concurrent listens of one user are checked one after the other and cannot both pass.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import ProcessingStatus, Track

from .models import ListeningHistory
from .signals import listen_recorded


def _check_played_at(played_at: datetime, now: datetime) -> None:
    if timezone.is_naive(played_at):
        raise ValidationError({"played_at": "Give played_at with a time zone (e.g. 2026-12-01T10:00:00Z)."})
    skew_s = settings.LISTEN_MAX_CLOCK_SKEW_S
    if (played_at - now).total_seconds() > skew_s:
        raise ValidationError({"played_at": f"A listen cannot be in the future (more than {skew_s} s ahead of the "
                                            f"server clock, now {now.isoformat(timespec='seconds')})."})
    max_age_days = settings.LISTEN_MAX_AGE_DAYS
    if now - played_at > timedelta(days=max_age_days):
        raise ValidationError({"played_at": f"A listen may be reported at most {max_age_days} days late; this one "
                                            f"ended {played_at.isoformat(timespec='seconds')}."})


def _span(play_duration_ms: int) -> timedelta:
    return timedelta(milliseconds=max(play_duration_ms, settings.LISTEN_MIN_SPAN_MS))


def _tolerance() -> timedelta:
    # The overlap test below needs every span longer than the tolerance.
    return timedelta(milliseconds=min(settings.LISTEN_OVERLAP_TOLERANCE_MS, settings.LISTEN_MIN_SPAN_MS - 1))


def _lock_listening_of(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"jonquils.listening:user:{user_id}"])


def _overlapping_listen(*, user_id: int, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """Return (start, end) of a recorded listen overlapping [start, end] by more than the tolerance.

    Two spans both longer than the tolerance t overlap by more than t exactly when each one
    ends more than t after the other starts.
    """
    tolerance = _tolerance()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT played_at - make_interval(secs => GREATEST(play_duration_ms, %s) / 1000.0), played_at
                 FROM listening_history
                WHERE user_id = %s AND played_at > %s
                  AND played_at - make_interval(secs => GREATEST(play_duration_ms, %s) / 1000.0) < %s
                ORDER BY played_at LIMIT 1""",
            [settings.LISTEN_MIN_SPAN_MS, user_id, start + tolerance, settings.LISTEN_MIN_SPAN_MS, end - tolerance],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _when(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def listen_record(
    *,
    user,
    track: Track,
    play_duration_ms: int,
    completion_percentage: float,
    platform: str,
    device_type: str,
    played_at: datetime | None = None,
) -> ListeningHistory:
    """Record one listen in PostgreSQL (the source of truth) and announce it after commit."""
    now = timezone.now()
    played_at = played_at or now
    _check_played_at(played_at, now)
    if track.processing_status != ProcessingStatus.READY:
        raise ValidationError({"track_id": "This track is not playable yet."})
    listen = ListeningHistory(
        user=user, track=track, played_at=played_at, play_duration_ms=play_duration_ms,
        completion_percentage=completion_percentage, platform=platform, device_type=device_type,
    )
    # Fields are checked in Python; the user and track are loaded rows (no query to prove they exist)
    # and the table's CHECK constraints repeat the fields' own rules (no query each to pre-check them).
    listen.full_clean(exclude=["user", "track"], validate_constraints=False)
    start = played_at - _span(play_duration_ms)
    with transaction.atomic():
        _lock_listening_of(user.pk)
        overlap = _overlapping_listen(user_id=user.pk, start=start, end=played_at)
        if overlap is not None:
            raise ValidationError({"played_at": (
                f"This listen ({_when(start)} to {_when(played_at)}) overlaps a listen already recorded "
                f"({_when(overlap[0])} to {_when(overlap[1])}): one account cannot listen longer than the time "
                "that has passed. Nothing was recorded."
            )})
        listen.save()
        transaction.on_commit(lambda: listen_recorded.send(sender=ListeningHistory, listen=listen))
    return listen
