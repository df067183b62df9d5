"""The ClickHouse tables events are written to: their columns and types, in one place.

The DDL that creates them lives in migrations.py (versioned); this module is what the
event producers and the native insert path need to know about each table.
"""
from __future__ import annotations

TRACK_ACTIONS = ("play", "pause", "skip", "complete", "like", "add_to_playlist")

TABLES: dict[str, dict[str, str]] = {
    "api_requests_log": {
        "timestamp": "DateTime64(3, 'UTC')",
        "event_id": "UUID",
        "request_id": "String",
        "user_id": "UInt64",
        "method": "LowCardinality(String)",
        "endpoint": "LowCardinality(String)",
        "status_code": "UInt16",
        "response_time_ms": "Float32",
        "user_agent": "String",
        "ip": "String",
    },
    "track_analytics": {
        "timestamp": "DateTime64(3, 'UTC')",
        "event_id": "UUID",
        "track_id": "UInt64",
        "artist_id": "UInt64",  # the track's main artist (the sorting key)
        "artist_ids": "Array(UInt64)",  # every credited artist: whom the event counts for (migration 4)
        "user_id": "UInt64",
        "action": "Enum8('play' = 1, 'pause' = 2, 'skip' = 3, 'complete' = 4, 'like' = 5, 'add_to_playlist' = 6)",
        "duration_played_ms": "UInt32",
        "platform": "LowCardinality(String)",
        "device_type": "LowCardinality(String)",
        "country": "LowCardinality(String)",
    },
    "search_analytics": {
        "timestamp": "DateTime64(3, 'UTC')",
        "event_id": "UUID",
        "user_id": "UInt64",
        "query": "String",
        "results_count": "UInt32",
        "clicked_result_id": "UInt64",
    },
    "user_analytics": {
        "timestamp": "DateTime64(3, 'UTC')",
        "event_id": "UUID",
        "user_id": "UInt64",
        "action": "LowCardinality(String)",
        "session_duration_minutes": "Float32",
        "tracks_played": "UInt32",
        "searches_made": "UInt32",
    },
}

# The sorting key of each event table: the duplicate check looks events up by key + event id,
# so it reads only the granules the batch's keys fall in.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "api_requests_log": ("endpoint", "timestamp"),
    "track_analytics": ("artist_id", "track_id", "timestamp"),
    "search_analytics": ("timestamp", "user_id"),
    "user_analytics": ("user_id", "timestamp"),
}

# Views over the event tables, never written to.
DERIVED_TABLES = ("artist_analytics",)


def column_types(table: str) -> dict[str, str]:
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(f"unknown analytics table {table!r}") from None
