"""The analytics owner: the one process that holds chDB, drains the buffer and answers queries.

chDB opens its data directory from one process at a time, so in embedded mode this process
opens it and every other process (gunicorn workers, Celery, Airflow tasks, manage.py) sends
SQL over a Unix socket (a small HTTP dialogue: POST /query, /command, /insert, /drain,
/migrate, /ping). With CLICKHOUSE_URL set it opens no chDB and serves only as the drainer.

The drain loop reads batches from the Redis stream, inserts them, acknowledges them; on
any failure the batch stays pending and is retried with back-off; a batch ClickHouse keeps
refusing is split and its poison events moved to the dead letters (see buffer.py), so the
loop never stays stuck on one batch. Its last failure is kept in Redis for /health.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import redis
from django.conf import settings

from . import buffer
from .clickhouse import ChdbBackend, ClickHouseClient, ClickHouseError, ClickHouseUnavailable, set_process_backend
from .clickhouse.backends import NativeBackend
from .clickhouse.migrations import migrate

logger = logging.getLogger("analytics.owner")

CONSUMER = "owner"
IDLE_POLL_S = 0.1
# Test hook (fault injection for the loss test): exit right after the Nth insert, before its ack.
FAULT_ENV = "ANALYTICS_OWNER_CRASH_AFTER_INSERTS"


class _CrashAfterInserts:
    def __init__(self, client: ClickHouseClient, after: int):
        self._client, self._left = client, after

    def __getattr__(self, name):
        return getattr(self._client, name)

    def insert(self, table, rows):
        self._client.insert(table, rows)
        self._crash_if_due()

    def insert_json(self, table, payloads):
        self._client.insert_json(table, payloads)
        self._crash_if_due()

    def _crash_if_due(self):
        self._left -= 1
        if self._left <= 0:
            logger.error("fault injection: exiting after an insert, before its acknowledgement")
            os._exit(70)


class Owner:
    def __init__(self, *, socket_path: Path, drain: bool = True, backend=None):
        self.socket_path = socket_path
        self.drain = drain
        self.stop_event = threading.Event()
        self.drain_lock = threading.Lock()
        self.delivered = 0
        self.last_error = ""
        self._error_noted = True  # unknown until the first drain: clear what a previous run left
        if backend is not None:
            pass
        elif settings.CLICKHOUSE_URL:
            backend = NativeBackend(settings.CLICKHOUSE_URL)
        else:
            backend = ChdbBackend(Path(settings.CLICKHOUSE_CHDB_PATH))
        self.backend = backend
        set_process_backend(backend)
        self.client = ClickHouseClient(backend)
        crash_after = int(os.environ.get(FAULT_ENV, "0") or 0)
        self.drain_client = _CrashAfterInserts(self.client, crash_after) if crash_after else self.client

    # --- draining ---------------------------------------------------------------------------
    def drain_loop(self) -> None:
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                # Never block inside the lock: a /drain request must not wait for an idle poll.
                with self.drain_lock:
                    result = buffer.drain_batch(self.drain_client, consumer=CONSUMER)
                self.delivered += result.inserted
                if result.dead_lettered:
                    logger.error("%d analytics event(s) refused by ClickHouse one by one were moved to the dead "
                                 "letters (manage.py analytics_dead_letters)", result.dead_lettered)
                backoff = 0.5
                if self._error_noted:  # also one an earlier owner left: this drain works
                    buffer.note_drain_error(None)
                    self.last_error, self._error_noted = "", False
                if result.read == 0:
                    self.stop_event.wait(IDLE_POLL_S)
            except Exception as exc:  # noqa: BLE001 - whatever fails, the loop must live on and retry
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if isinstance(exc, (ClickHouseError, redis.RedisError, OSError)):
                    logger.warning("analytics drain failed, events stay buffered; retry in %.1f s: %s", backoff, exc)
                else:
                    logger.exception("analytics drain failed unexpectedly, events stay buffered; retry in %.1f s",
                                     backoff)
                try:
                    buffer.note_drain_error(self.last_error)
                    self._error_noted = True
                except redis.RedisError:
                    pass
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def drain_now(self, timeout_s: float) -> int:
        with self.drain_lock:
            inserted = buffer.drain_until_empty(self.drain_client, consumer=CONSUMER, timeout_s=timeout_s)
        self.delivered += inserted
        return inserted

    # --- serving ------------------------------------------------------------------------------
    def handle(self, path: str, payload: dict) -> tuple[int, dict]:
        if path == "/ping":
            return 200, {"ok": True, "backend": self.backend.name, "pid": os.getpid(), "delivered": self.delivered,
                         "last_error": self.last_error}
        if path == "/query":
            columns, rows = self.backend.query(payload["sql"])
            return 200, {"columns": columns, "rows": rows}
        if path == "/command":
            self.backend.command(payload["sql"])
            return 200, {}
        if path == "/insert":
            self.backend.insert(payload["table"], payload["rows"])
            return 200, {}
        if path == "/drain":
            return 200, {"inserted": self.drain_now(float(payload.get("timeout_s", 60)))}
        if path == "/migrate":
            return 200, {"applied": migrate(self.client)}
        return 404, {"error": f"unknown path {path}"}

    def serve(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length) or b"{}")
                    status, body = owner.handle(self.path, payload)
                except ClickHouseUnavailable as exc:
                    status, body = 503, {"error": str(exc)}
                except (ClickHouseError, KeyError, ValueError, TimeoutError, redis.RedisError) as exc:
                    status, body = 400, {"error": f"{type(exc).__name__}: {exc}"}
                data = json.dumps(body, separators=(",", ":"), default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format, *args):  # noqa: A002 - silence per-request logging
                pass

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        self.server = Server(str(self.socket_path), Handler)
        os.chmod(self.socket_path, 0o600)
        self.server.serve_forever(poll_interval=0.2)

    def run(self) -> None:
        applied = migrate(self.client)
        if applied:
            logger.info("ClickHouse migrations applied at start-up: %s", applied)
        buffer.ensure_group()
        threads = [threading.Thread(target=self.serve, name="analytics-serve", daemon=True)]
        if self.drain:
            threads.append(threading.Thread(target=self.drain_loop, name="analytics-drain", daemon=True))
        for thread in threads:
            thread.start()
        logger.info("analytics owner ready on %s (backend %s, pid %s)", self.socket_path, self.backend.name, os.getpid())
        self.stop_event.wait()
        self.shutdown()

    def shutdown(self) -> None:
        server = getattr(self, "server", None)
        if server is not None:
            server.shutdown()
            server.server_close()
        with self.drain_lock:  # let the batch in flight finish; what is left stays in Redis
            self.backend.close()
        self.socket_path.unlink(missing_ok=True)
        logger.info("analytics owner stopped (%d events delivered)", self.delivered)


def run_owner() -> None:
    owner = Owner(socket_path=Path(settings.ANALYTICS_OWNER_SOCKET))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: owner.stop_event.set())
    owner.run()
