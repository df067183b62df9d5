"""`make run`: start the whole service on one machine and stop all of it on Ctrl-C or SIGTERM.

Order: local servers (PostgreSQL, Redis, unless configured) → migrations → the staff
login → Celery worker (beat embedded) → gunicorn. It prints the URL and the login once /health
answers, and on SIGINT/SIGTERM stops every process it started, in reverse order.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .paths import BASE_DIR, embedded_paths
from .services import EmbeddedServiceError, EmbeddedStack, celery_command, port_is_free, stop_processes

HOST = "127.0.0.1"
READY_TIMEOUT_S = 90
# gunicorn's default access line logs %(r)s, the request line with its query string, and the
# referer: a signed stream URL (`?token=`) would sit in logs/web.log for anyone who reads it.
# %(U)s is the path alone; the referer is left out for the same reason.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Ctrl-C stops everything within 10 s: the processes get this long, the local servers the rest.
STOP_TIMEOUT_S = 6.0


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Stop()


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR,
                          capture_output=True, text=True)


def _spawn(args: list[str], *, env: dict, log_name: str, log_dir: Path) -> subprocess.Popen:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / log_name, "ab")  # noqa: SIM115 - kept open for the child's lifetime
    return subprocess.Popen(args, env=env, cwd=BASE_DIR, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


# glibc gives each thread that allocates its own malloc arena (up to 8 a core), and each keeps the
# memory it freed: with 16 threads a worker, the web workers' PSS grew ≈ 50 MB more under load than
# with two arenas (1M-track catalog: 169 -> 351 MB after 100 s of mixed API and Subsonic load,
# 169 -> 296 MB with MALLOC_ARENA_MAX=2) and did not come back. Set in the environment to override.
WEB_MALLOC_ARENA_MAX = "2"


def web_env(env: dict) -> dict:
    """The environment of gunicorn's processes: `env` with MALLOC_ARENA_MAX unless it is set."""
    return {"MALLOC_ARENA_MAX": WEB_MALLOC_ARENA_MAX, **env}


def web_command(*, port: int, app: str = "jonquils.wsgi:application", host: str = HOST) -> list[str]:
    """The gunicorn command line of `make run` (threads, timeouts, an access log without query strings)."""
    return [str(Path(sys.executable).parent / "gunicorn"), app, "--bind", f"{host}:{port}",
            "--worker-class", "gthread", "--workers", os.environ.get("WEB_WORKERS", "2"),
            "--threads", os.environ.get("WEB_THREADS", "16"), "--timeout", "120", "--graceful-timeout", "3",
            "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT, "--error-logfile", "-",
            "--config", "python:jonquils.gunicorn_conf"]


def _wait_for_health(url: str, processes: dict[str, subprocess.Popen], log_dir: Path) -> dict:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise EmbeddedServiceError(f"The {name} exited during start (code {process.returncode}); see {log_dir}/{name}.log.")
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                body = json.loads(response.read())
                if body.get("status") == "ok":
                    return body
                last = json.dumps(body)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise EmbeddedServiceError(f"The service did not become healthy within {READY_TIMEOUT_S} s (last answer: {last}).")


def _fresh_metrics_dir(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(HOST, port):
        print(f"Port {port} on {HOST} is already in use (another `make run`?); stop that process or set PORT.", file=sys.stderr)
        return 1

    paths = embedded_paths()
    stack = EmbeddedStack(paths)
    processes: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    log_dir = Path(os.environ.get("LOG_DIR") or BASE_DIR / "logs")
    try:
        env = dict(os.environ, **stack.start(), DJANGO_SETTINGS_MODULE="jonquils.settings", PYTHONUNBUFFERED="1")
        # /metrics sums every process's metrics (web workers, Celery) from one fresh directory.
        env["PROMETHEUS_MULTIPROC_DIR"] = str(_fresh_metrics_dir(paths.run_dir / "prometheus"))
        for step in (("migrate", "--noinput"), ("collectstatic", "--noinput"), ("ensure_buckets",), ("ensure_admin",)):
            result = _manage(*step, env=env)
            if result.returncode != 0:
                lines = (result.stderr or result.stdout).strip().splitlines()
                raise EmbeddedServiceError(f"`manage.py {' '.join(step)}` failed: {lines[-1] if lines else 'no output'}")
            if step[0] == "ensure_admin":
                login = result.stdout.strip()

        # --- analytics owner (holds chDB, drains the event buffer); see embedded/analytics_owner.py
        from .analytics_owner import start_analytics_owner
        processes["analytics"] = start_analytics_owner(paths, env=env, log_path=log_dir / "analytics.log")
        # --- end analytics owner
        # One worker, beat embedded in it (see celery_command): one process tree instead of two.
        processes["worker"] = _spawn(celery_command("worker", var_run_dir=paths.run_dir, beat=True), env=env,
                                     log_name="worker.log", log_dir=log_dir)
        processes["web"] = _spawn(web_command(port=port), env=web_env(env), log_name="web.log", log_dir=log_dir)

        url = f"http://{HOST}:{port}"
        _wait_for_health(f"{url}/health", processes, log_dir)
        print(f"\nJONQUILS is running at {url}/", flush=True)
        print(f"Admin: {url}/admin/  login: {login}", flush=True)
        print(f"API docs: {url}/docs   demo catalog: .venv/bin/python manage.py create_test_data", flush=True)
        print(f"Logs are in {log_dir}/. Press Ctrl-C to stop.\n", flush=True)
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    raise EmbeddedServiceError(f"The {name} stopped unexpectedly (code {process.returncode}); see {log_dir}/{name}.log.")
            time.sleep(1)
    except _Stop:
        print("\nStopping JONQUILS…", flush=True)
        return 0
    except EmbeddedServiceError as exc:
        print(f"JONQUILS could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # All at once: SIGQUIT to the worker (cold shutdown: tasks in progress go back to the queue,
        # acks_late + reject_on_worker_lost), SIGTERM to the rest; SIGKILL for what is left at the deadline.
        stop_processes([(process, signal.SIGQUIT if name == "worker" else signal.SIGTERM)
                        for name, process in processes.items()], timeout=STOP_TIMEOUT_S)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
