"""The production stack without a Docker engine: `docker-compose config` (Debian's docker-compose)
validates the compose file, `nginx -t` (Debian's nginx) the rendered nginx config, and a real nginx in
front of the live test server serves a stream by X-Accel-Redirect (Range, 206, refused without a token)."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.audio import make_audio
from tests.etl.conftest import local_bucket  # noqa: F401 - fixture
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="Debian's docker-compose is missing (make test installs it)")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="Debian's nginx is missing (make test installs it)")
STRONG = "x7Kq9-strong-value-0123456789abcdefghijklmnopqrstuvwxyz"


def _compose_config(tmp_path: Path) -> dict:
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(re.sub(r"replace-me[A-Za-z0-9_-]*", STRONG, (ROOT / ".env.example").read_text()))
    done = subprocess.run([COMPOSE, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@needs_compose
def test_compose_is_valid_and_every_service_has_a_health_check_a_restart_policy_and_limits(tmp_path):
    config = _compose_config(tmp_path)
    services = config["services"]
    assert {"web", "worker", "beat", "analytics-drainer", "nginx", "postgres", "clickhouse", "redis", "elasticsearch",
            "minio", "airflow-db", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor"} <= set(services)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), name
        assert service.get("restart") in ("unless-stopped", "on-failure"), name
        assert service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory"), name
    assert set(config["volumes"]) >= {"pgdata", "redisdata", "chdata", "s3data", "esdata", "media", "airflowdb"}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            bind = source.startswith(("/", ".")) and source.endswith(("/dags", ".template"))  # code and config only
            assert bind or source in config["volumes"], (name, volume)  # data only in named volumes
    # buckets are created on start, Airflow has its own metadata database and mounts dags/
    assert "ensure_buckets" in " ".join(services["migrate"]["command"])
    scheduler = services["airflow-scheduler"]
    assert "@airflow-db:5432/airflow" in scheduler["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert any((v["target"] if isinstance(v, dict) else v.split(":")[1]) == "/app/dags" for v in scheduler["volumes"])
    assert "gunicorn" in services["web"]["command"] and services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]


@needs_compose
def test_compose_refuses_to_render_without_the_env_secrets(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("SECRET_KEY=x\n")
    done = subprocess.run([COMPOSE, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "set POSTGRES_PASSWORD in .env" in done.stderr


def test_every_variable_the_settings_need_without_a_default_is_set_by_compose_or_env_example():
    settings_source = (ROOT / "jonquils/settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z0-9_]+)"', settings_source))
    defaulted = set(re.findall(r'env\.\w+\("([A-Z0-9_]+)",\s*default=', settings_source))
    # SECRET_KEY/JWT_SIGNING_KEY are read through _signing_secret(name) with a default of "" and refused when empty.
    required = (read - defaulted) | {"SECRET_KEY", "JWT_SIGNING_KEY"}
    provided = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    provided |= set(re.findall(r"^\s+([A-Z0-9_]+):", (ROOT / "docker-compose.yml").read_text(), re.M))
    assert required - provided == set()


# --- nginx ------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _nginx_config(tmp_path: Path, *, listen: int, upstream: str, media: Path,
                  secure_link: tuple[int, str] | None = None) -> Path:
    server = string.Template((ROOT / "deploy/nginx/jonquils.conf.template").read_text()).safe_substitute(
        NGINX_LISTEN=f"127.0.0.1:{listen}", JONQUILS_UPSTREAM=upstream, STATIC_ROOT=str(ROOT / "static"),
        MEDIA_ROOT=str(media))
    if secure_link is not None:  # (port, secret): the signed-link location in a server of its own
        location = string.Template((ROOT / "deploy/nginx/secure-link.conf.template").read_text()).safe_substitute(
            STREAM_SECURE_LINK_SECRET=secure_link[1], MEDIA_ROOT=str(media))  # nginx's own $vars stay
        server += f"\nserver {{\n    listen 127.0.0.1:{secure_link[0]};\n    sendfile on;\n{location}\n}}\n"
    temp = tmp_path / "nginx-temp"
    temp.mkdir(exist_ok=True)
    main = f"""
user root;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
{server}
}}
"""
    path = tmp_path / "nginx.conf"
    path.write_text(main)
    return path


@needs_nginx
def test_nginx_accepts_the_generated_config(tmp_path):
    conf = _nginx_config(tmp_path, listen=_free_port(), upstream="127.0.0.1:9", media=tmp_path)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def _wait_listening(port: int, nginx: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline and nginx.poll() is None, nginx.stderr.read().decode()
            time.sleep(0.1)


def _fetch(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_a_stream_through_nginx_is_handed_over_by_x_accel_redirect_after_the_permission_check(
        live_server, local_bucket, settings, tmp_path):
    from rest_framework_simplejwt.tokens import AccessToken

    from tests.storage.test_streaming import stored_track

    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STREAM_X_ACCEL_PREFIX = "/_protected"
    song = make_audio("mp3", duration_s=3)
    track = stored_track(song)
    token = str(AccessToken.for_user(UserFactory()))
    port = _free_port()
    upstream = live_server.url.removeprefix("http://")
    conf = _nginx_config(tmp_path, listen=port, upstream=upstream, media=media)
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_listening(port, nginx)
        stream = f"{base}/api/v1/tracks/{track.pk}/stream"

        # Django alone answers the hand-over, without the bytes
        direct = _fetch(f"{live_server.url}/api/v1/tracks/{track.pk}/stream", {"Authorization": f"Bearer {token}"})
        assert direct[0] == 200 and direct[1]["X-Accel-Redirect"] == f"/_protected/tracks/{track.file_path}"
        assert direct[2] == b""

        # through nginx: the whole file, then a range as 206
        status, headers, body = _fetch(stream, {"Authorization": f"Bearer {token}"})
        assert (status, body) == (200, song) and headers["Content-Type"] == "audio/mpeg"
        assert "X-Accel-Redirect" not in headers
        status, headers, body = _fetch(stream, {"Authorization": f"Bearer {token}", "Range": "bytes=100-1099"})
        assert status == 206 and body == song[100:1100]
        assert headers["Content-Range"] == f"bytes 100-1099/{len(song)}"

        # refused without a token, and the internal location is not reachable from outside
        status, headers, body = _fetch(stream)
        assert status in (401, 403) and song[:100] not in body
        assert _fetch(f"{base}/_protected/tracks/{track.file_path}")[0] == 404
        assert _fetch(f"{base}/metrics")[0] == 404
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_a_stream_redirects_once_to_a_signed_link_that_nginx_serves_and_checks(live_server, local_bucket, settings,
                                                                                tmp_path):
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog.streaming import secure_link_url
    from jonquils.storage import bucket_storage
    from tests.storage.test_streaming import stored_track

    secret = "s" * 40
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STREAM_SECURE_LINK_PREFIX, settings.STREAM_SECURE_LINK_SECRET = "/_media", secret
    song = make_audio("mp3", duration_s=3)
    track, other = stored_track(song), stored_track(make_audio("mp3", duration_s=2))
    token = str(AccessToken.for_user(UserFactory()))
    port, signed_port = _free_port(), _free_port()
    conf = _nginx_config(tmp_path, listen=port, upstream=live_server.url.removeprefix("http://"), media=media,
                         secure_link=(signed_port, secret))
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_listening(signed_port, nginx)
        base = f"http://127.0.0.1:{signed_port}"

        # the app checks the token and answers a 302 to the signed link, without the bytes
        opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                                   {"redirect_request": lambda *args, **kwargs: None}))
        request = urllib.request.Request(f"{live_server.url}/api/v1/tracks/{track.pk}/stream",
                                         headers={"Authorization": f"Bearer {token}"})
        try:
            opener.open(request, timeout=10)
            raise AssertionError("the stream did not redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code == 302 and answer.headers["Cache-Control"] == "private, no-store"
            link = answer.headers["Location"]
        assert link.startswith(f"/_media/tracks/{track.file_path}?md5=") and "&expires=" in link

        # nginx sends the file and a Range of it, with the type the app promised
        status, headers, body = _fetch(base + link)
        assert (status, body) == (200, song) and headers["Content-Type"] == "audio/mpeg"
        status, headers, body = _fetch(base + link, {"Range": "bytes=100-1099"})
        assert status == 206 and body == song[100:1100] and headers["Content-Range"] == f"bytes 100-1099/{len(song)}"

        # a forged, borrowed, unsigned or expired link gets nothing
        path, query = link.split("?", 1)
        assert _fetch(f"{base}{path}?{query.replace('md5=', 'md5=x')}")[0] == 403
        assert _fetch(f"{base}/_media/tracks/{other.file_path}?{query}")[0] == 403
        assert _fetch(f"{base}{path}")[0] == 403
        expired = secure_link_url(bucket_storage("tracks"), track.file_path, "audio/mpeg", now=time.time() - 3600)
        assert _fetch(base + expired)[0] == 410
        assert secret not in link
        # an object whose extension nginx would type differently keeps the app's own answer
        assert secure_link_url(bucket_storage("tracks"), "ab/cd.bin", "audio/mpeg") is None
        assert secure_link_url(bucket_storage("tracks"), track.file_path, "audio/flac") is None
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)


def test_the_signed_link_settings_come_together_and_with_a_long_secret():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jonquils.settings"}
    code = "import django; django.setup()"
    for extra, message in [({"STREAM_SECURE_LINK_PREFIX": "/_media"}, "together"),
                           ({"STREAM_SECURE_LINK_PREFIX": "/_media", "STREAM_SECURE_LINK_SECRET": "short"}, "32 characters")]:
        done = subprocess.run([sys.executable, "-c", code], env={**env, **extra}, cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode != 0 and message in done.stderr, done.stderr[-500:]

