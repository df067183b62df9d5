"""The `analytics` component of /health: ClickHouse answers, and the event buffer's state."""
from __future__ import annotations


def check_analytics() -> dict:
    from . import buffer
    from .clickhouse import get_client

    client = get_client()
    if client.scalar("SELECT 1") != 1:
        raise RuntimeError("ClickHouse did not answer SELECT 1")
    state = buffer.stats()
    return {"backend": client.kind, "buffered_events": state["backlog"], "dropped_events": sum(state["dropped"].values())}
