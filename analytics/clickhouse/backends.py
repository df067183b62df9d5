"""The three ways to reach ClickHouse; each runs the same SQL text and returns the same shapes.

- ChdbBackend: the engine in this process (only the analytics owner process, or a benchmark).
- NativeBackend: a ClickHouse server over the native protocol (clickhouse-driver), CLICKHOUSE_URL.
- OwnerBackend: any other process in embedded mode; asks the owner over its Unix socket.

`query` returns (column names, rows as lists); dates come back as ISO strings on every backend.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

from .schema import column_types


class ClickHouseError(RuntimeError):
    """ClickHouse refused a statement (bad SQL, bad data)."""


class ClickHouseUnavailable(ClickHouseError):
    """ClickHouse (or the owner process in front of chDB) cannot be reached now."""


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID,)):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def json_each_row(rows: list[dict]) -> str:
    return "\n".join(json.dumps(row, separators=(",", ":"), ensure_ascii=False) for row in rows)


class ChdbBackend:
    """chDB in this process; one lock serialises statements (the session is not thread-safe)."""

    name = "chdb"

    def __init__(self, path: Path):
        from chdb import session

        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._session = session.Session(str(path))
        except Exception as exc:  # chDB raises plain RuntimeError for a held directory
            raise ClickHouseUnavailable(
                f"chDB could not open {path} ({exc}); another process owns it — in embedded mode only the "
                "analytics owner opens chDB, the others ask it over var/run/analytics.sock"
            ) from exc

    def query(self, sql: str) -> tuple[list[str], list[list]]:
        with self._lock:
            try:
                result = self._session.query(sql, "JSONCompact")
            except Exception as exc:
                raise ClickHouseError(str(exc)) from exc
        raw = result.bytes()
        if not raw:
            return [], []
        body = json.loads(raw)
        return [m["name"] for m in body.get("meta", [])], body.get("data", [])

    def command(self, sql: str) -> None:
        with self._lock:
            try:
                self._session.query(sql)
            except Exception as exc:
                raise ClickHouseError(str(exc)) from exc

    def insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        columns = ", ".join(rows[0].keys())
        self.command(f"INSERT INTO {table} ({columns}) FORMAT JSONEachRow\n{json_each_row(rows)}")

    def insert_json(self, table: str, payloads: list[bytes]) -> None:
        """Insert rows that are already JSON objects (the buffer's entries), without re-encoding them."""
        if payloads:
            self.command(f"INSERT INTO {table} FORMAT JSONEachRow\n" + b"\n".join(payloads).decode())

    def close(self) -> None:
        with self._lock:
            self._session.close()


def _native_value(value, ch_type: str):
    if value is None:
        return None
    if ch_type.startswith("DateTime"):
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    if ch_type == "Date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if ch_type == "UUID":
        return uuid.UUID(str(value))
    return value


class NativeBackend:
    """A ClickHouse server through clickhouse-driver (native protocol), one connection per thread."""

    name = "native"

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            from clickhouse_driver import Client
            from clickhouse_driver.util.helpers import parse_url
            from django.conf import settings

            host, options = parse_url(self.url)
            # clickhouse-driver waits up to 300 s for an answer by default: bound every wait
            # (a timeout given in the URL's query string wins over the settings).
            client = Client(host, **{
                "connect_timeout": settings.CLICKHOUSE_CONNECT_TIMEOUT_S,
                "send_receive_timeout": settings.CLICKHOUSE_SEND_RECEIVE_TIMEOUT_S,
                "sync_request_timeout": settings.CLICKHOUSE_CONNECT_TIMEOUT_S,
                **options,
            })
            self._local.client = client
        return client

    def _run(self, sql: str, data=None, **kwargs):
        from clickhouse_driver import errors

        try:
            if data is None:
                return self._client().execute(sql, **kwargs)
            return self._client().execute(sql, data, types_check=False, **kwargs)
        except (errors.NetworkError, errors.SocketTimeoutError, OSError, EOFError) as exc:
            self._local.client = None
            raise ClickHouseUnavailable(f"ClickHouse at {self._safe_url()} is unreachable: {exc}") from exc
        except errors.Error as exc:
            raise ClickHouseError(str(exc)) from exc

    def _safe_url(self) -> str:
        parsed = urlparse(self.url)
        return f"{parsed.hostname}:{parsed.port or 9000}{parsed.path}"

    def query(self, sql: str) -> tuple[list[str], list[list]]:
        rows, types = self._run(sql, with_column_types=True)
        return [name for name, _ in types], [[_plain(v) for v in row] for row in rows]

    def command(self, sql: str) -> None:
        self._run(sql)

    def insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        types = column_types(table)
        columns = list(rows[0].keys())
        data = [tuple(_native_value(row[c], types[c]) for c in columns) for row in rows]
        self._run(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", data)

    def insert_json(self, table: str, payloads: list[bytes]) -> None:
        self.insert(table, [json.loads(p) for p in payloads])

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.disconnect()


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float, connect_timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path
        self._connect_timeout = connect_timeout

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self._connect_timeout)
        self.sock.connect(self._path)
        self.sock.settimeout(self.timeout)  # then every send and receive is bounded by the query timeout


class OwnerBackend:
    """Ask the analytics owner process (the one process that holds chDB) over its Unix socket."""

    name = "owner"

    def __init__(self, socket_path: Path, timeout: float | None = None, connect_timeout: float | None = None):
        self.socket_path = socket_path
        self._timeout = timeout
        self._connect_timeout = connect_timeout

    # Unset bounds are read from the settings at each call (ANALYTICS_QUERY_TIMEOUT_S,
    # ANALYTICS_OWNER_CONNECT_TIMEOUT_S), so a hung owner costs a request seconds, not forever.
    @property
    def timeout(self) -> float:
        from django.conf import settings

        return self._timeout or settings.ANALYTICS_QUERY_TIMEOUT_S

    @property
    def connect_timeout(self) -> float:
        from django.conf import settings

        return min(self._connect_timeout or settings.ANALYTICS_OWNER_CONNECT_TIMEOUT_S, self.timeout)

    def call(self, path: str, payload: dict | None = None, *, timeout: float | None = None) -> dict:
        conn = _UnixHTTPConnection(str(self.socket_path), timeout or self.timeout, self.connect_timeout)
        try:
            body = json.dumps(payload or {}).encode()
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            answer = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise ClickHouseUnavailable(
                f"the analytics owner does not answer on {self.socket_path} ({exc}); is `make run` (or "
                "`manage.py analytics_owner`) running?"
            ) from exc
        finally:
            conn.close()
        if response.status == 503:
            raise ClickHouseUnavailable(answer.get("error", "the analytics store is unavailable"))
        if response.status != 200:
            raise ClickHouseError(answer.get("error", f"owner answered HTTP {response.status}"))
        return answer

    def query(self, sql: str) -> tuple[list[str], list[list]]:
        answer = self.call("/query", {"sql": sql})
        return answer["columns"], answer["rows"]

    def command(self, sql: str) -> None:
        self.call("/command", {"sql": sql})

    def insert(self, table: str, rows: list[dict]) -> None:
        if rows:
            self.call("/insert", {"table": table, "rows": rows})

    def insert_json(self, table: str, payloads: list[bytes]) -> None:
        self.insert(table, [json.loads(p) for p in payloads])

    def close(self) -> None:
        pass


def parse_url_database(url: str) -> str:
    path = urlparse(url).path.strip("/")
    return unquote(path) or "default"
