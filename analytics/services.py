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


def _overlapping_listens(*, user_id: int, spans: list[tuple[datetime, datetime]]) -> dict[int, tuple[datetime, datetime]]:
    """For each span [start, end] the first recorded listen overlapping it by more than the tolerance,
    as {index: (start, end)}: one query however many spans (an index probe each).

    Two spans both longer than the tolerance t overlap by more than t exactly when each one
    ends more than t after the other starts.
    """
    tolerance, floor_ms = _tolerance(), settings.LISTEN_MIN_SPAN_MS
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT asked.idx, found.started, found.played_at
                 FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS asked(lower_end, upper_start, idx)
                 CROSS JOIN LATERAL (
                      SELECT played_at - make_interval(secs => GREATEST(play_duration_ms, %s) / 1000.0) AS started, played_at
                        FROM listening_history
                       WHERE user_id = %s AND played_at > asked.lower_end
                         AND played_at - make_interval(secs => GREATEST(play_duration_ms, %s) / 1000.0) < asked.upper_start
                       ORDER BY played_at LIMIT 1) AS found""",
            [[start + tolerance for start, _ in spans], [end - tolerance for _, end in spans], floor_ms, user_id, floor_ms],
        )
        return {int(idx) - 1: (started, ended) for idx, started, ended in cursor.fetchall()}


def _when(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _overlap_message(start: datetime, end: datetime, other: tuple[datetime, datetime], where: str) -> str:
    return (f"This listen ({_when(start)} to {_when(end)}) overlaps a listen {where} "
            f"({_when(other[0])} to {_when(other[1])}): one account cannot listen longer than the time "
            "that has passed. Nothing was recorded.")


def _listen_row(*, user, track: Track, play_duration_ms: int, completion_percentage: float, platform: str,
                device_type: str, played_at: datetime | None = None, now: datetime) -> ListeningHistory:
    """One listen checked on its own (time window, playable track, field rules), not saved."""
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
    return listen


def _save_without_overlaps(user, listens: list[ListeningHistory], field_of) -> None:
    """Insert the listens unless one overlaps a recorded listen or another of them; announce them after commit."""
    spans = [(listen.played_at - _span(listen.play_duration_ms), listen.played_at) for listen in listens]
    tolerance = _tolerance()
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        _lock_listening_of(user.pk)
        recorded = _overlapping_listens(user_id=user.pk, spans=spans)
        for i, (start, end) in enumerate(spans):
            if i in recorded:
                errors[field_of(i, "played_at")] = [_overlap_message(start, end, recorded[i], "already recorded")]
                continue
            earlier = next((other for other in spans[:i] if other[1] > start + tolerance and other[0] < end - tolerance), None)
            if earlier is not None:
                errors[field_of(i, "played_at")] = [_overlap_message(start, end, earlier, "earlier in this batch")]
        if errors:
            raise ValidationError(errors)
        if len(listens) == 1:
            listens[0].save()
        else:
            ListeningHistory.objects.bulk_create(listens)
        transaction.on_commit(lambda: listen_recorded.send(sender=ListeningHistory, listens=listens))


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
    listen = _listen_row(user=user, track=track, play_duration_ms=play_duration_ms, platform=platform,
                         completion_percentage=completion_percentage, device_type=device_type, played_at=played_at,
                         now=timezone.now())
    _save_without_overlaps(user, [listen], lambda _index, field: field)
    return listen


# Last.fm takes 50 scrobbles a call; an app's offline queue of a long trip is a few hundred listens.
LISTEN_BATCH_MAX = 100


def listens_record(*, user, listens: list[dict]) -> list[ListeningHistory]:
    """Record several listens of one user at once (an app's offline queue, an import): all of them or none.

    Each listen follows the rules above and may not overlap another of the batch either; an error
    names the listen by its index (`listens.3.played_at`). One lock, one overlap query and one
    insert for the whole batch, and its events leave for ClickHouse in one push after commit.
    """
    if not 1 <= len(listens) <= LISTEN_BATCH_MAX:
        raise ValidationError({"listens": f"Send from 1 to {LISTEN_BATCH_MAX} listens in one request, not {len(listens)}."})
    now, rows, errors = timezone.now(), [], {}
    for index, fields in enumerate(listens):
        try:
            rows.append(_listen_row(user=user, now=now, **fields))
        except ValidationError as exc:
            errors.update({f"listens.{index}.{field}": messages for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    _save_without_overlaps(user, rows, lambda index, field: f"listens.{index}.{field}")
    return rows
