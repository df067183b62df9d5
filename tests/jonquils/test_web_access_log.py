"""logs/web.log: gunicorn, started with `make run`'s own command line, never writes a query string."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from jonquils.embedded.run import web_command

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, deadline: float) -> int:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_access_log_has_paths_but_no_stream_tokens(tmp_path):
    port = _free_port()
    log_path = tmp_path / "web.log"
    env = dict(os.environ, WEB_WORKERS="1", WEB_THREADS="2")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(web_command(port=port, app="tests.jonquils.echo_wsgi:application"), cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/tracks/7/stream?token=SECRET-SIGNED-LINK&format=mp3"
        assert _get(url, time.monotonic() + 30) == 200
        deadline = time.monotonic() + 10
        while "/api/v1/tracks/7/stream" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)

    text = log_path.read_text()
    assert '"GET /api/v1/tracks/7/stream HTTP/1.1" 200' in text
    assert "token=" not in text and "SECRET-SIGNED-LINK" not in text and "format=mp3" not in text
