"""The ClickHouse client of the project: one SQL dialect, three transports (see backends.py).

`get_client()` picks the transport: a server when CLICKHOUSE_URL is set; otherwise the
analytics owner process over its socket — except inside the owner itself, which calls
`set_process_backend(ChdbBackend(...))` at start-up and then uses chDB directly.
"""
from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from .backends import ChdbBackend, ClickHouseError, ClickHouseUnavailable, NativeBackend, OwnerBackend
from .sql import render

__all__ = [
    "ClickHouseClient", "ClickHouseError", "ClickHouseUnavailable", "get_client", "owner_socket_path",
    "set_process_backend", "ChdbBackend",
]


class ClickHouseClient:
    """Run SQL with `%(name)s` parameters; results as dicts or (columns, rows)."""

    def __init__(self, backend):
        self.backend = backend

    @property
    def kind(self) -> str:
        return self.backend.name

    def query(self, sql: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        return self.backend.query(render(sql, params))

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        columns, rows = self.query(sql, params)
        return [dict(zip(columns, row)) for row in rows]

    def scalar(self, sql: str, params: dict | None = None):
        _, rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def command(self, sql: str, params: dict | None = None) -> None:
        self.backend.command(render(sql, params))

    def insert(self, table: str, rows: list[dict]) -> None:
        self.backend.insert(table, rows)

    def insert_json(self, table: str, payloads: list[bytes]) -> None:
        self.backend.insert_json(table, payloads)


_process_backend = None
_lock = threading.Lock()


def owner_socket_path() -> Path:
    return Path(settings.ANALYTICS_OWNER_SOCKET)


def chdb_path() -> Path:
    return Path(settings.CLICKHOUSE_CHDB_PATH)


def set_process_backend(backend) -> None:
    """Make every get_client() in this process use `backend` (the owner's chDB, a benchmark's)."""
    global _process_backend
    with _lock:
        _process_backend = backend


def get_client() -> ClickHouseClient:
    global _process_backend
    with _lock:
        if _process_backend is None:
            if settings.CLICKHOUSE_URL:
                _process_backend = NativeBackend(settings.CLICKHOUSE_URL)
            else:
                _process_backend = OwnerBackend(owner_socket_path())
        return ClickHouseClient(_process_backend)
