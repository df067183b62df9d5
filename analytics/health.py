"""The `analytics` component of /health: ClickHouse answers, and the event buffer drains.

Not ok (so /health says `degraded`) when ClickHouse does not answer, or past a threshold:
the oldest buffered event older than ANALYTICS_HEALTH_MAX_LAG_S (the drain is stuck or lags),
more than ANALYTICS_HEALTH_MAX_BUFFERED events waiting, more than ANALYTICS_HEALTH_MAX_DEAD_LETTERS
dead letters (events ClickHouse refused; see `manage.py analytics_dead_letters`).
"""
from __future__ import annotations

from django.conf import settings

from jonquils.health import ComponentUnhealthy


def check_analytics() -> dict:
    from . import buffer
    from .clickhouse import ClickHouseError, get_client

    state = buffer.stats()
    details = {
        "buffered_events": state["backlog"], "oldest_buffered_event_age_s": state["oldest_age_s"],
        "dead_letter_events": state["dead_letters"], "dropped_events": sum(state["dropped"].values()),
    }
    if state["last_drain_error"]:
        details["last_drain_error"] = state["last_drain_error"]
    problems = []
    client = get_client()
    details["backend"] = client.kind
    try:
        if client.scalar("SELECT 1") != 1:
            problems.append("ClickHouse did not answer SELECT 1")
    except ClickHouseError as exc:
        problems.append(f"ClickHouse does not answer: {exc}")
    if state["oldest_age_s"] > settings.ANALYTICS_HEALTH_MAX_LAG_S:
        problems.append(f"the oldest buffered event has waited {state['oldest_age_s']:.0f} s (limit "
                        f"{settings.ANALYTICS_HEALTH_MAX_LAG_S:.0f} s): the drain is stuck or lagging")
    if state["backlog"] > settings.ANALYTICS_HEALTH_MAX_BUFFERED:
        problems.append(f"{state['backlog']} events are buffered (limit {settings.ANALYTICS_HEALTH_MAX_BUFFERED})")
    if state["dead_letters"] > settings.ANALYTICS_HEALTH_MAX_DEAD_LETTERS:
        problems.append(f"{state['dead_letters']} event(s) were refused by ClickHouse and wait in the dead letters "
                        f"(limit {settings.ANALYTICS_HEALTH_MAX_DEAD_LETTERS}; manage.py analytics_dead_letters)")
    if problems:
        raise ComponentUnhealthy("; ".join(problems), details=details)
    return details
