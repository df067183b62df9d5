"""Event producers: build a validated row and put it in the buffer. Nothing here waits on ClickHouse.

For other apps: `record_search(...)` and `record_search_click(...)` (search), `record_event(...)`
(like, add_to_playlist, pause from catalog/playlists/players). Listens arrive through the
`listen_recorded` signal (receivers.py) and requests through the middleware.

Every event carries an event id; sending the same id twice stores it once (see buffer.py).
Ids of events derived from a database row are stable (uuid5 of the row), so a re-sent
signal is harmless too.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone as dt_timezone

from django.utils import timezone

from . import buffer
from .clickhouse.schema import TRACK_ACTIONS

# Namespace of the deterministic event ids derived from PostgreSQL rows.
EVENT_NAMESPACE = uuid.UUID("6f1d3c52-41a4-4c8e-9a53-0b7f4f2c9e10")

# The listen rule (see listen_events): a listen is `complete` at ≥ 90 % of the track and a
# `skip` when it stopped before 30 % of the track *and* before 30 s — the length under which
# streaming services do not count a play as heard. Between the two it is just a play.
COMPLETE_AT_PERCENT = 90.0
SKIP_BELOW_PERCENT = 30.0
SKIP_BELOW_MS = 30_000


def _stamp(when: datetime | None) -> str:
    when = when or timezone.now()
    if timezone.is_naive(when):
        raise ValueError("event timestamps must be timezone-aware")
    return when.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _uint(value, name: str) -> int:
    if value is None:
        return 0
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    return value


def _event_id(event_id) -> str:
    return str(uuid.UUID(str(event_id))) if event_id else str(uuid.uuid4())


def stable_event_id(*parts) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, ":".join(str(p) for p in parts)))


def listen_event_id(listen, action: str) -> str:
    """The stable id of one action of one listen (row id, who, what and when: unique even across database resets)."""
    return stable_event_id("listen", listen.pk, listen.user_id, listen.track_id, listen.played_at.isoformat(), action)


def credited_artist_ids(track) -> list[int]:
    """Every credited artist of a track, in credit order: whom its events count for."""
    from catalog.selectors import track_artists

    return [artist.pk for artist in track_artists(track)]


def track_event_row(*, action: str, track_id: int, artist_id: int, user_id: int | None, duration_played_ms: int = 0,
                    platform: str = "", device_type: str = "", country: str = "", timestamp: datetime | None = None,
                    event_id=None, artist_ids: list[int] | None = None) -> dict:
    """A track_analytics row; `artist_ids` are the credited artists (the main `artist_id` alone when omitted)."""
    if action not in TRACK_ACTIONS:
        raise ValueError(f"unknown track action {action!r}; one of {', '.join(TRACK_ACTIONS)}")
    main = _uint(artist_id, "artist_id")
    credited = [_uint(a, "artist_ids") for a in (artist_ids or [])]
    credited = list(dict.fromkeys([main, *credited] if main not in credited else credited))
    return {
        "timestamp": _stamp(timestamp), "event_id": _event_id(event_id), "track_id": _uint(track_id, "track_id"),
        "artist_id": main, "artist_ids": credited, "user_id": _uint(user_id, "user_id"), "action": action,
        "duration_played_ms": min(_uint(duration_played_ms, "duration_played_ms"), 2**32 - 1),
        "platform": platform or "", "device_type": device_type or "", "country": (country or "").upper()[:2],
    }


def record_event(*, action: str, track_id: int, artist_id: int, user_id: int | None = None, duration_played_ms: int = 0,
                 platform: str = "", device_type: str = "", timestamp: datetime | None = None, event_id=None,
                 artist_ids: list[int] | None = None) -> str:
    """Record a track event (like, add_to_playlist, pause, …); return its event id."""
    row = track_event_row(action=action, track_id=track_id, artist_id=artist_id, user_id=user_id,
                          duration_played_ms=duration_played_ms, platform=platform, device_type=device_type,
                          timestamp=timestamp, event_id=event_id, artist_ids=artist_ids)
    buffer.push_quietly([("track_analytics", row)])
    return row["event_id"]


def listen_actions(*, completion_percentage: float, play_duration_ms: int) -> list[str]:
    """Return the track actions one listen stands for: always `play`, then `complete` or `skip`."""
    actions = ["play"]
    if completion_percentage >= COMPLETE_AT_PERCENT:
        actions.append("complete")
    elif completion_percentage < SKIP_BELOW_PERCENT and play_duration_ms < SKIP_BELOW_MS:
        actions.append("skip")
    return actions


def listen_events(listen) -> list[tuple[str, dict, bool]]:
    """Build the track_analytics rows of one ListeningHistory row (ids stable per listen, so marked stable)."""
    country = getattr(listen.user, "country", "") or ""  # "if known": only when the account carries one
    credited = credited_artist_ids(listen.track)
    return [
        ("track_analytics", track_event_row(
            action=action, track_id=listen.track_id, artist_id=listen.track.artist_id, user_id=listen.user_id,
            duration_played_ms=listen.play_duration_ms, platform=listen.platform, device_type=listen.device_type,
            country=country, timestamp=listen.played_at, event_id=listen_event_id(listen, action),
            artist_ids=credited,
        ), True)
        for action in listen_actions(completion_percentage=listen.completion_percentage,
                                     play_duration_ms=listen.play_duration_ms)
    ]


def record_search(*, query: str, results_count: int, user_id: int | None = None,
                  timestamp: datetime | None = None, event_id=None) -> str:
    """Record one search and how many results it had; return its event id."""
    row = {"timestamp": _stamp(timestamp), "event_id": _event_id(event_id), "user_id": _uint(user_id, "user_id"),
           "query": str(query)[:500], "results_count": _uint(results_count, "results_count"), "clicked_result_id": 0}
    buffer.push_quietly([("search_analytics", row)])
    return row["event_id"]


def record_search_click(*, query: str, clicked_result_id: int, user_id: int | None = None,
                        timestamp: datetime | None = None, event_id=None) -> str:
    """Record that a search result was opened (a row with clicked_result_id; not counted as a search)."""
    clicked = _uint(clicked_result_id, "clicked_result_id")
    if clicked == 0:
        raise ValueError("clicked_result_id must be a result id")
    row = {"timestamp": _stamp(timestamp), "event_id": _event_id(event_id), "user_id": _uint(user_id, "user_id"),
           "query": str(query)[:500], "results_count": 0, "clicked_result_id": clicked}
    buffer.push_quietly([("search_analytics", row)])
    return row["event_id"]


def record_user_event(*, user_id: int, action: str, session_duration_minutes: float = 0.0, tracks_played: int = 0,
                      searches_made: int = 0, timestamp: datetime | None = None, event_id=None) -> str:
    """Record a user activity row (login, session_end, …); plays and searches stay in their own tables."""
    if not action:
        raise ValueError("action is required")
    if session_duration_minutes < 0:
        raise ValueError("session_duration_minutes cannot be negative")
    row = {"timestamp": _stamp(timestamp), "event_id": _event_id(event_id), "user_id": _uint(user_id, "user_id"),
           "action": action[:32], "session_duration_minutes": float(session_duration_minutes),
           "tracks_played": _uint(tracks_played, "tracks_played"), "searches_made": _uint(searches_made, "searches_made")}
    buffer.push_quietly([("user_analytics", row)])
    return row["event_id"]


def request_row(*, request_id: str, user_id: int | None, method: str, endpoint: str, status_code: int,
                response_time_ms: float, user_agent: str, ip: str, timestamp: datetime | None = None) -> dict:
    return {"timestamp": _stamp(timestamp), "event_id": str(uuid.uuid4()), "request_id": request_id[:64],
            "user_id": _uint(user_id, "user_id"), "method": method[:10], "endpoint": endpoint[:200],
            "status_code": int(status_code), "response_time_ms": round(float(response_time_ms), 3),
            "user_agent": (user_agent or "")[:300], "ip": (ip or "")[:45]}
