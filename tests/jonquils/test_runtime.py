"""The `make run` entry point, driven as an operator would: start, use, Ctrl-C, start again.

These start a whole second stack (PostgreSQL, Redis, Celery worker and beat, gunicorn) in
a scratch var/ directory, so they are the slowest tests of the foundation.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_env(var_dir: Path, port: int, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "JONQUILS_ADMIN_PASSWORD"}}
    env.update(JONQUILS_VAR_DIR=str(var_dir), LOG_DIR=str(var_dir / "logs"), PORT=str(port), STATIC_MANIFEST="true",
               PYTHONUNBUFFERED="1", **extra)
    return env


class RunningService:
    """`python -m jonquils.embedded.run` in the background, with its output collected."""

    def __init__(self, env: dict):
        self.env = env
        self.process = subprocess.Popen([sys.executable, "-m", "jonquils.embedded.run"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""

    def wait_until_ready(self, timeout: float = 400) -> tuple[str, str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.output += line
            login = re.search(r"login: (\S+) / (\S+)", self.output)
            url = re.search(r"running at (http://\S+)/", self.output)
            if login and url:
                return url.group(1), login.group(1), login.group(2)
        self.stop()
        pytest.fail(f"`make run` did not print its URL and login:\n{self.output[-4000:]}")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def interrupt(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        self.output += self.process.stdout.read()
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.interrupt()


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _admin_login(base: str, username: str, password: str) -> bool:
    """Log in to the admin through its form (CSRF cookie and all); True if the index answers."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/admin/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password,
                                   "next": "/admin/"}).encode()
    request = urllib.request.Request(f"{base}/admin/login/?next=/admin/", data=data, headers={"Referer": f"{base}/admin/login/"})
    final = opener.open(request, timeout=10)
    return final.geturl().rstrip("/").endswith("/admin") and "Staff dashboard" in final.read().decode()


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_run_serves_health_and_admin_stops_cleanly_and_keeps_data(tmp_path):
    var_dir, port = tmp_path / "var", _free_port()
    env = _run_env(var_dir, port)

    # given a first start on an empty var/
    service = RunningService(env)
    try:
        base, username, password = service.wait_until_ready()
        assert base == f"http://127.0.0.1:{port}" and username == "admin"

        # then every component is green and the admin login works
        status, body = _get_json(f"{base}/health")
        assert status == 200 and body["status"] == "ok", body
        assert all(component["ok"] for component in body["components"].values())
        assert _admin_login(base, username, password)
        with urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=10) as response:
            assert response.status == 200  # static files are served without nginx
        # and the printed URL itself leads somewhere: a page linking the docs, the admin and health
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:
            home = response.read().decode()
        assert response.status == 200 and 'href="/docs"' in home and 'href="/admin/"' in home
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', home)  # hashed by collectstatic
        assert stylesheet, home
        with urllib.request.urlopen(f"{base}{stylesheet.group(1)}", timeout=10) as response:
            assert response.status == 200

        # and manage.py beside it reaches the same embedded services
        _manage(env, "shell", "-c", "from catalog.models import Genre; Genre.objects.create(name='Kept Across Restarts')")
        children = service.descendants()
        assert len(children) >= 4  # worker, beat, web (+ their workers)
    finally:
        code = service.interrupt()

    # when stopped with Ctrl-C: every process it started is gone, the port is free
    assert code == 0, service.output[-3000:]
    time.sleep(0.5)
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not (var_dir / "pg" / "postmaster.pid").exists(), service.output[-3000:]
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT of our own requests is fine
        sock.bind(("127.0.0.1", port))  # a listener left behind would still make this fail

    # and a second start keeps the data and prints the same login
    second = RunningService(env)
    try:
        _, _, password_again = second.wait_until_ready()
        assert password_again == password
        assert "Kept Across Restarts" in _manage(env, "shell", "-c",
                                                 "from catalog.models import Genre; print(list(Genre.objects.values_list('name', flat=True)))")
    finally:
        assert second.interrupt() == 0


def test_run_refuses_a_busy_port_with_one_sentence(tmp_path):
    port = _free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        result = subprocess.run([sys.executable, "-m", "jonquils.embedded.run"], cwd=ROOT, env=_run_env(tmp_path, port),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_run_explains_a_half_initialised_database_directory(tmp_path):
    pg = tmp_path / "var" / "pg"
    pg.mkdir(parents=True)
    (pg / "postgresql.conf").write_text("# left behind by an interrupted initdb\n")
    result = subprocess.run([sys.executable, "-m", "jonquils.embedded.run"], cwd=ROOT,
                            env=_run_env(tmp_path / "var", _free_port()), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "a first start was interrupted" in result.stderr and str(pg) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def _postmaster_pid(var_dir: Path) -> int | None:
    try:
        return int((var_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def test_ctrl_c_right_after_the_url_stops_every_process_within_10_s(tmp_path):
    var_dir, port = tmp_path / "var", _free_port()
    service = RunningService(_run_env(var_dir, port))
    try:
        service.wait_until_ready()
        # given everything it started, while the worker still warms up its pool (librosa, numba)
        children = service.descendants()
        postmaster = _postmaster_pid(var_dir)
        assert len(children) >= 5 and postmaster is not None  # redis, analytics, worker (+pool), beat, web (+workers)
    except BaseException:
        service.stop()
        raise

    # when Ctrl-C comes at once
    started = time.monotonic()
    service.process.send_signal(signal.SIGINT)
    code = service.process.wait(timeout=30)
    elapsed = time.monotonic() - started

    # then every process is gone within 10 s, PostgreSQL included
    service.output += service.process.stdout.read()
    assert code == 0, service.output[-3000:]
    assert elapsed < 10, (elapsed, service.output[-3000:])
    alive = [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [(p.pid, p.name()) for p in alive]
    assert not psutil.pid_exists(postmaster) or psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE


def test_the_web_processes_get_two_malloc_arenas_unless_the_environment_says_otherwise():
    from jonquils.embedded.run import web_env

    assert web_env({"PORT": "8000"}) == {"PORT": "8000", "MALLOC_ARENA_MAX": "2"}
    assert web_env({"MALLOC_ARENA_MAX": "8"})["MALLOC_ARENA_MAX"] == "8"  # an operator's choice stands
