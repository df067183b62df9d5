"""The stack a benchmark runs against: `make run` itself, on a seeded var directory of its own.

`start_stack(var_dir)` starts `python -m jonquils.embedded.run` (the same processes, worker counts
and settings as `make run`) with JONQUILS_VAR_DIR pointing at a directory that
`manage.py bench_seed` filled, so the benchmark never touches the developer's catalog, and
waits until it prints its URL. `Stack` then knows the base URL, the seed manifest
(`bench-seed.json`: counts, the bench user, sample ids), every process of the stack by role (for
memory), and can log in or run `manage.py` in the stack's environment.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stack_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the stack's processes: embedded defaults under `var_dir`, nothing inherited that points elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CLICKHOUSE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(JONQUILS_VAR_DIR=str(Path(var_dir).resolve()), PYTHONUNBUFFERED="1", **extra)
    return env


TOKEN_REUSE_S = 300  # well inside the access token's 15 minutes, whatever the scenario in between


@dataclass
class Stack:
    base_url: str
    var_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log_dir: Path
    seed: dict = field(default_factory=dict)
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # username -> (token, when issued)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {(done.stderr or done.stdout)[-2000:]}")
        return done

    def token(self, username: str | None = None, password: str | None = None) -> str:
        """A JWT access token of the seeded bench user (or another login), cached per username for
        TOKEN_REUSE_S: access tokens live 15 minutes (JWT_ACCESS_MINUTES) and a 1M run lasts longer."""
        user = self.seed.get("bench_user", {})
        username = username or user["username"]
        password = password or user["password"]
        issued = self._tokens.get(username)
        if issued is None or time.monotonic() - issued[1] > TOKEN_REUSE_S:
            request = urllib.request.Request(
                f"{self.base_url}/api/v1/auth/login", method="POST",
                data=json.dumps({"username": username, "password": password}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                self._tokens[username] = (json.loads(response.read())["access"], time.monotonic())
        return self._tokens[username][0]

    def processes(self) -> dict[str, list[int]]:
        """Every process of the running stack by role: web, worker, beat, analytics, redis, postgres, run."""
        import psutil

        roles: dict[str, list[int]] = {"run": [self.process.pid]}
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                cmdline = " ".join(child.cmdline())
            except psutil.Error:
                continue
            roles.setdefault(_role(cmdline), []).append(child.pid)
        pid_file = self.var_dir / "pg" / "postmaster.pid"
        if pid_file.exists():
            try:
                postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
                roles["postgres"] = [postmaster.pid] + [p.pid for p in postmaster.children(recursive=True)]
            except (psutil.Error, ValueError):
                pass
        return roles

    def stop(self, timeout_s: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def _role(cmdline: str) -> str:
    if "gunicorn" in cmdline:
        return "web"
    if "celery" in cmdline and " beat" in cmdline:
        return "beat"
    if "celery" in cmdline:
        return "worker"
    if "analytics_owner" in cmdline:
        return "analytics"
    if "redis" in cmdline:
        return "redis"
    return "other"


def read_seed(var_dir: Path) -> dict:
    manifest = Path(var_dir) / "bench-seed.json"
    return json.loads(manifest.read_text()) if manifest.exists() else {}


def _log_since(run_log: Path, offset: int) -> str:
    """The log's text after `offset` bytes (a byte offset: the log holds non-ASCII text such as "…")."""
    return run_log.read_bytes()[offset:].decode(errors="replace")


def start_stack(var_dir: Path, *, port: int | None = None, log_dir: Path | None = None, **extra_env: str) -> Stack:
    """Start `make run`'s stack on `var_dir` and return once it printed its URL (or raise with its log)."""
    var_dir = Path(var_dir).resolve()
    port = port or free_port()
    log_dir = Path(log_dir or var_dir / "logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = stack_env(var_dir, PORT=str(port), LOG_DIR=str(log_dir), **extra_env)
    run_log = log_dir / "run.log"
    offset = run_log.stat().st_size if run_log.exists() else 0  # bytes; earlier runs' lines don't count
    out = open(run_log, "ab")  # noqa: SIM115 - the child's stdout for its lifetime
    process = subprocess.Popen([sys.executable, "-m", "jonquils.embedded.run"], env=env, cwd=ROOT,
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(base_url=f"http://127.0.0.1:{port}", var_dir=var_dir, env=env, process=process,
                  log_dir=log_dir, seed=read_seed(var_dir))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited during start: {_log_since(run_log, offset)[-2000:]}")
        if "JONQUILS is running" in _log_since(run_log, offset):
            return stack
        time.sleep(0.5)
    stack.stop()
    raise RuntimeError(f"the stack did not start within {START_TIMEOUT_S} s; see {log_dir}/run.log")
