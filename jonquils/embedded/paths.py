"""Where the embedded services keep their data, sockets and state.

Both the process that starts the services (`make run`, the test suite) and every other
process (`manage.py` in another terminal, the Celery worker) derive the same locations
from one variable, JONQUILS_VAR_DIR, so they find each other without a registry.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# A Unix socket path may hold at most 107 bytes on Linux.
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class EmbeddedPaths:
    var_dir: Path

    @property
    def postgres_data(self) -> Path:
        return self.var_dir / "pg"

    @property
    def redis_dir(self) -> Path:
        return self.var_dir / "redis"

    @property
    def redis_socket(self) -> Path:
        return self.redis_dir / "redis.sock"

    @property
    def media_dir(self) -> Path:
        return self.var_dir / "media"

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def admin_password_file(self) -> Path:
        return self.var_dir / "admin-password"

    def postgres_socket_dir(self) -> Path:
        """Return the socket directory of the running server (postmaster.pid line 5), else the data dir."""
        pid_file = self.postgres_data / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 5 and lines[4].strip():
                return Path(lines[4].strip())
        except OSError:
            pass
        return self.postgres_data


def embedded_paths() -> EmbeddedPaths:
    return EmbeddedPaths(Path(os.environ.get("JONQUILS_VAR_DIR") or BASE_DIR / "var").resolve())


EMBEDDED_DATABASE_NAME = "jonquils"
EMBEDDED_DATABASE_USER = "postgres"


def embedded_database_url(paths: EmbeddedPaths) -> str:
    return f"postgresql://{EMBEDDED_DATABASE_USER}@/{EMBEDDED_DATABASE_NAME}?host={paths.postgres_socket_dir()}"


def embedded_redis_url(paths: EmbeddedPaths) -> str:
    return f"unix://{paths.redis_socket}"


def redis_db_url(url: str, db: int) -> str:
    """Return the URL of another logical database on the same Redis server (a socket or a host)."""
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    base, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{base}/{db}"
