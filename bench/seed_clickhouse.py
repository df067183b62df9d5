"""The seeded listens in ClickHouse: the same events the listen receiver would have delivered.

While seeding, the analytics owner is not running, so the seed opens chDB itself — on the
owner's path (settings.CLICKHOUSE_CHDB_PATH) through the owner's own backend — and refuses
when an owner answers on the var dir's socket (chDB opens a directory from one process only).
With CLICKHOUSE_URL it writes to that server. Rows are built by the rules of analytics/events.py
(`listen_actions`, `track_event_row`, `listen_event_id`), so event ids match what the
`check_listens_in_clickhouse` monitoring check looks for.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from analytics.clickhouse import ChdbBackend, ClickHouseClient, get_client, owner_socket_path
from analytics.clickhouse.migrations import ALL_TABLES, migrate
from analytics.events import listen_actions, listen_event_id, track_event_row

BATCH = 100_000
# One row per listen with everything its events carry; credits in credit order (position 0 first).
EXPORT_SQL = """
COPY (SELECT lh.id, lh.user_id, lh.track_id, lh.played_at, t.artist_id, coalesce(c.ids, ARRAY[t.artist_id]),
             lh.play_duration_ms, lh.completion_percentage, lh.platform, lh.device_type, u.country
        FROM listening_history lh JOIN tracks t ON t.id = lh.track_id JOIN users u ON u.id = lh.user_id
        LEFT JOIN (SELECT track_id, array_agg(artist_id ORDER BY position) ids FROM track_artists GROUP BY track_id) c
               ON c.track_id = lh.track_id
       ORDER BY lh.id) TO STDOUT"""


class AnalyticsOwnerRunning(Exception):
    """The var dir's analytics owner holds chDB; the seed cannot open it."""


def open_seed_clickhouse() -> tuple[ClickHouseClient, callable]:
    """A client for the seed and its closer: the server of CLICKHOUSE_URL, else chDB opened here."""
    if settings.CLICKHOUSE_URL:
        return get_client(), lambda: None
    from jonquils.embedded.analytics_owner import owner_answers

    if owner_answers(owner_socket_path()):
        raise AnalyticsOwnerRunning(
            f"the analytics owner answers on {owner_socket_path()}: it holds chDB, so the seed cannot write the "
            "listens; stop the running stack (make run / the var dir's services) and seed again")
    backend = ChdbBackend(Path(settings.CLICKHOUSE_CHDB_PATH))
    return ClickHouseClient(backend), backend.close


def prepare(client: ClickHouseClient, reset: bool) -> None:
    """Apply the ClickHouse migrations; with reset, empty the event tables."""
    migrate(client)
    if reset:
        for table in ALL_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {table}")


def _pg_array(text: str) -> list[int]:
    return [int(part) for part in text.strip("{}").split(",") if part]


def load_listens(raw_cursor, client: ClickHouseClient, *, batch: int = BATCH) -> int:
    """Export listening_history with COPY and insert its events in big batches; return the events written."""
    raw_cursor.execute("SET LOCAL TIME ZONE 'UTC'")  # timestamps as Django reads them (aware, UTC)
    written, rows = 0, []
    with raw_cursor.copy(EXPORT_SQL) as copy:
        for (pk, user_id, track_id, played_at, artist_id, credited, play_ms, completion, platform, device,
             country) in copy.rows():
            when = datetime.fromisoformat(played_at)
            listen = SimpleNamespace(pk=int(pk), user_id=int(user_id), track_id=int(track_id), played_at=when)
            play_ms, completion = int(play_ms), float(completion)
            for action in listen_actions(completion_percentage=completion, play_duration_ms=play_ms):
                rows.append(track_event_row(
                    action=action, track_id=listen.track_id, artist_id=int(artist_id), user_id=listen.user_id,
                    duration_played_ms=play_ms, platform=platform, device_type=device, country=country,
                    timestamp=when, event_id=listen_event_id(listen, action), artist_ids=_pg_array(credited)))
            if len(rows) >= batch:
                client.insert("track_analytics", rows)
                written, rows = written + len(rows), []
    client.insert("track_analytics", rows)
    return written + len(rows)
