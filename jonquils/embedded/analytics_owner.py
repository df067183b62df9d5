"""Start and stop the analytics owner process (chDB holder and event drainer) for `make run` and tests.

It is started whenever analytics is in use: in embedded mode it is the only process that
opens chDB (under var/clickhouse); with CLICKHOUSE_URL it is the drainer of the buffer.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from .paths import BASE_DIR, MAX_SOCKET_PATH, EmbeddedPaths
from .services import EmbeddedServiceError, stop_process


def analytics_socket(paths: EmbeddedPaths) -> Path:
    return paths.run_dir / "analytics.sock"


def start_analytics_owner(paths: EmbeddedPaths, *, env: dict, log_path: Path, timeout_s: float = 60.0) -> subprocess.Popen:
    """Spawn `manage.py analytics_owner` and return once it answers on its socket."""
    sock = Path(env.get("ANALYTICS_OWNER_SOCKET") or analytics_socket(paths))
    if len(str(sock)) > MAX_SOCKET_PATH:
        raise EmbeddedServiceError(f"The analytics socket path {sock} is too long; set JONQUILS_VAR_DIR to a shorter directory.")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "analytics_owner"], env=env, cwd=BASE_DIR,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + timeout_s
    try:
        while not owner_answers(sock):
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process, timeout=5)
                raise EmbeddedServiceError(f"The analytics owner did not start (exit code {process.returncode}); see {log_path}.")
            time.sleep(0.1)
    except BaseException:  # Ctrl-C while it starts: it is not the caller's yet, so stop it here
        stop_process(process, timeout=3)
        raise
    return process


def owner_answers(sock: Path) -> bool:
    """True when the owner answers POST /ping on its Unix socket."""
    if not sock.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(2)
        try:
            conn.connect(str(sock))
            conn.sendall(b"POST /ping HTTP/1.1\r\nHost: owner\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
        except OSError:
            return False
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        return head.startswith(b"HTTP/1.1 200") and json.loads(body).get("ok") is True
    except ValueError:
        return False


def stop_analytics_owner(process: subprocess.Popen | None) -> None:
    """SIGTERM: the batch in flight finishes, the rest stays in the Redis buffer."""
    if process is not None:
        stop_process(process, timeout=20)


class AnalyticsOwnerProcess:
    """A restartable handle on the owner process (the test suite stops and restarts it)."""

    def __init__(self, paths: EmbeddedPaths, *, env: dict, log_path: Path):
        self.paths, self.env, self.log_path = paths, env, log_path
        self.process: subprocess.Popen | None = None

    def start(self, **extra_env: str) -> subprocess.Popen:
        self.process = start_analytics_owner(self.paths, env={**self.env, **extra_env}, log_path=self.log_path)
        return self.process

    def stop(self) -> None:
        stop_analytics_owner(self.process)
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed or acknowledged."""
        import os
        import signal as signals

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signals.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()
