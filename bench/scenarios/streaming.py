"""Range streaming through the app, next to nginx `sendfile` on the same file and the X-Accel-Redirect path.

What a player does: it asks `GET /api/v1/tracks/{id}/stream-url?format=raw` (JWT) for a signed URL
(`?token=`, one user, one track) and then reads the file in Range windows. The scenario does
the same for the seed's large track (bench-seed.json `audio.large_track_id`, else the first
sample track that streams), then loads three paths at 1, 64 and 1,000 concurrent streams (smoke:
1, 4, 16), each stream a keep-alive connection reading 256 KiB windows at random offsets
(`WINDOW`; 64 offsets drawn once with a fixed seed, so every path reads the same bytes):

- app: the stack's own gunicorn (`catalog.streaming.object_response` sends the bytes);
- nginx sendfile (the floor): Debian's nginx serving MEDIA_ROOT itself, no app involved;
- X-Accel-Redirect: nginx (deploy/nginx/jonquils.conf.template) in front of ONE extra gunicorn
  (`web_command`, the stack's environment plus STREAM_X_ACCEL_PREFIX=/_protected): the app checks
  the token and hands the bytes to nginx;
- signed link: what a player reads after the stream's one 302 when STREAM_SECURE_LINK_* are set
  (deploy/nginx/secure-link.conf.template: nginx checks the signature, no app per Range).

nginx is started here from `bench/nginx.conf.template` under a temporary prefix on free ports
and stopped after; so is the extra gunicorn. The stack's web workers' PSS is read before and after
the app rows (1,000 open streams must not grow it), and every row's errors are reported.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from ..core import ROOT, free_port
from ..load import RequestSpec, run_load
from ..report import Section, ratio
from .common import fetch
from .memory import pss_mb

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WINDOW = 256 * 1024
OFFSETS = 64
CONCURRENCY = (1, 64, 1000)
SMOKE_CONCURRENCY = (1, 4, 16)
ACCEL_PREFIX = "/_protected"
SECURE_PREFIX, SECURE_SECRET = "/_media", "bench-" + "0123456789abcdef" * 3  # the bench's own nginx only
TARGET_SHARE = 0.5
# At many streams a request waits for a free thread (latency ≈ streams / req/s, seconds at 1,000):
# a row of at least this long still sees whole requests start and finish inside its window.
MANY_STREAMS, MANY_STREAMS_MIN_S = 64, 10.0
COLUMNS = ["path", "streams", "MB/s", "req/s", "ratio to nginx", "p50 ms", "p99 ms", "errors", "target", "met"]


class NoStoredAudio(RuntimeError):
    """The seed predates bench_seed's stored audio (no `audio` in bench-seed.json) and no track streams."""


def stream_path(stack) -> tuple[int, str]:
    """(track id, path + query of its signed stream URL), asked the way a player asks."""
    token = stack.token()
    candidates = [stack.seed.get("audio", {}).get("large_track_id"), *stack.seed["sample"]["track_ids"][:20]]
    for track_id in [c for c in candidates if c]:
        spec = RequestSpec(f"/api/v1/tracks/{track_id}/stream-url?format=raw", headers={"Authorization": f"Bearer {token}"})
        status, body = fetch(stack.base_url, spec)
        if status != 200:
            continue
        url = urllib.parse.urlsplit(json.loads(body)["url"])
        path = f"{url.path}?{url.query}"
        if fetch(stack.base_url, RequestSpec(path, headers={"Range": "bytes=0-0"}))[0] == 206:
            return track_id, path
    if "audio" not in stack.seed:
        raise NoStoredAudio("this catalog was seeded without stored audio (bench-seed.json has no `audio`): "
                            "seed it again with `python -m bench --reseed` to measure streaming")
    raise RuntimeError(f"none of the seeded tracks streams (tried {candidates}); see the stack's web.log")


def _stored_file(stack, track_id: int) -> tuple[Path, Path]:
    """(MEDIA_ROOT, the file of the track) as the stack's settings resolve them."""
    code = ("import json; from django.conf import settings; from catalog.models import Track; "
            "from jonquils.storage import bucket_storage; "
            f"t = Track.objects.get(pk={int(track_id)}); "
            "print(json.dumps([str(settings.MEDIA_ROOT), bucket_storage('tracks').path(t.file_path)]))")
    media, path = json.loads(stack.manage("shell", "-c", code).stdout.strip().splitlines()[-1])
    return Path(media), Path(path)


def _windows(size: int, path: str, headers: dict | None = None) -> list[RequestSpec]:
    """OFFSETS Range requests of WINDOW bytes at random (seeded) offsets inside a `size`-byte file."""
    rnd = random.Random(17)
    last = max(0, size - WINDOW)
    specs = []
    for _ in range(OFFSETS):
        start = rnd.randrange(last + 1)
        specs.append(RequestSpec(path, headers={**(headers or {}), "Range": f"bytes={start}-{start + WINDOW - 1}"},
                                 expect=(206,)))
    return specs


def _wait_port(port: int, process: subprocess.Popen, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited during start (code {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s:g} s")


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def accel_web(stack):
    """One extra gunicorn of `make run`'s command line, with STREAM_X_ACCEL_PREFIX set; yields its port."""
    from jonquils.embedded.run import web_command, web_env

    port = free_port()
    metrics = Path(tempfile.mkdtemp(prefix="jq-bench-prom-"))
    env = {**stack.env, "STREAM_X_ACCEL_PREFIX": ACCEL_PREFIX, "DJANGO_SETTINGS_MODULE": "jonquils.settings",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    log = open(stack.log_dir / "bench-accel-web.log", "ab")  # noqa: SIM115 - the child's output for its lifetime
    process = subprocess.Popen(web_command(port=port), env=web_env(env), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_port(port, process, "the X-Accel gunicorn", timeout_s=120)
        yield port
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(metrics, ignore_errors=True)


def signed_link(stack, track_id: int) -> str:
    """The track's stream as the stack signs it for nginx's secure_link location (STREAM_SECURE_LINK_*),
    i.e. where a player lands after the stream's one 302 (catalog.streaming.secure_link_url)."""
    code = ("from catalog.models import Track; from catalog.streaming import secure_link_url; "
            "from jonquils.storage import bucket_storage; "
            f"t = Track.objects.get(pk={int(track_id)}); "
            "print(secure_link_url(bucket_storage('tracks'), t.file_path, t.mime_type))")
    env = {**stack.env, "STREAM_SECURE_LINK_PREFIX": SECURE_PREFIX, "STREAM_SECURE_LINK_SECRET": SECURE_SECRET}
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    link = done.stdout.strip().splitlines()[-1]
    if not link.startswith(SECURE_PREFIX):
        raise RuntimeError(f"track {track_id} gets no signed link (its type does not match its extension): {link}")
    return link


@contextmanager
def nginx(media_root: Path, upstream_port: int):
    """nginx on three free ports: (direct sendfile of MEDIA_ROOT, the deploy template in front of
    `upstream_port`, deploy/nginx/secure-link.conf.template's signed-link location)."""
    prefix = Path(tempfile.mkdtemp(prefix="jq-bench-nginx-"))
    direct, proxied, signed = free_port(), free_port(), free_port()
    server = string.Template((ROOT / "deploy/nginx/jonquils.conf.template").read_text()).safe_substitute(
        NGINX_LISTEN=f"127.0.0.1:{proxied}", JONQUILS_UPSTREAM=f"127.0.0.1:{upstream_port}",
        STATIC_ROOT=str(ROOT / "static"), MEDIA_ROOT=str(media_root))
    location = string.Template((ROOT / "deploy/nginx/secure-link.conf.template").read_text()).safe_substitute(
        STREAM_SECURE_LINK_SECRET=SECURE_SECRET, MEDIA_ROOT=str(media_root))
    server += f"\nserver {{\n    listen 127.0.0.1:{signed};\n    sendfile on;\n    tcp_nopush on;\n{location}\n}}\n"
    conf = string.Template((ROOT / "bench/nginx.conf.template").read_text()).substitute(
        PREFIX=str(prefix), DIRECT_LISTEN=f"127.0.0.1:{direct}", MEDIA_ROOT=str(media_root), SERVER=server)
    (prefix / "temp").mkdir()
    (prefix / "nginx.conf").write_text(conf)
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for port in (direct, proxied, signed):
            _wait_port(port, process, "nginx", timeout_s=20)
        yield direct, proxied, signed
    finally:
        _stop(process, signal.SIGQUIT)
        shutil.rmtree(prefix, ignore_errors=True)


def _row(section: Section, name: str, streams: int, result, floor_rps: float | None, *, target: bool) -> None:
    met = "–"
    if target:
        met = "yes" if result.error_count == 0 and floor_rps and result.rps >= TARGET_SHARE * floor_rps else "no"
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(result.errors.items())) or "0"
    section.add(name, streams, result.mb_per_s, result.rps, ratio(result.rps, floor_rps) if floor_rps else "1.00× (floor)",
                result.p50_ms, result.p99_ms, errors, f"≥ {TARGET_SHARE:.0%} of nginx" if target else "–", met)
    if result.error_sample:
        section.notes.append(f"{name} × {streams}: {result.error_sample}")


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:
    try:
        track_id, path = stream_path(stack)
    except NoStoredAudio as exc:
        return [Section("Streaming: not measured", [], notes=[str(exc)])]
    media_root, stored = _stored_file(stack, track_id)
    size = stored.stat().st_size
    relative = stored.relative_to(media_root).as_posix()
    app_requests = _windows(size, path)
    direct_requests = _windows(size, "/" + urllib.parse.quote(relative))
    signed_requests = _windows(size, signed_link(stack, track_id))
    levels = SMOKE_CONCURRENCY if smoke else CONCURRENCY
    section = Section(
        "Streaming: Range requests through the app, next to nginx sendfile", COLUMNS,
        intro=(f"Track {track_id}'s stored file ({size / 1e6:.1f} MB, {stored.suffix[1:]}), read in {WINDOW // 1024} KiB "
               f"Range windows at {OFFSETS} random offsets (the same for every path), each stream a keep-alive "
               f"connection from one asyncio client process; {'smoke: each request list once' if smoke else f'{duration_s:g} s a row (at least {MANY_STREAMS_MIN_S:g} s from {MANY_STREAMS} streams)'}. "
               "app: the stack's gunicorn through the signed stream URL (`stream-url`, then `?token=`); "
               "nginx sendfile: the same file served by nginx directly (the floor); X-Accel: nginx in front of one "
               "extra gunicorn with STREAM_X_ACCEL_PREFIX, the app checks the token and nginx sends the bytes; "
               "signed link: the URL the stream's 302 gives with STREAM_SECURE_LINK_* set (valid "
               "STREAM_PRESIGNED_TTL_S), read from deploy/nginx/secure-link.conf.template's location, which checks "
               "the signature and sends the bytes without the app (the local twin of an S3 presigned URL)."))
    web_before = pss_mb(stack.processes().get("web", []))
    floors: dict[int, float] = {}
    with accel_web(stack) as accel_port, nginx(media_root, accel_port) as (direct_port, proxied_port, signed_port):
        for streams in levels:
            def load(base_url, requests):
                if smoke:
                    cycle = (requests * -(-max(2 * streams, 16) // len(requests)))[:max(2 * streams, 16)]
                    return run_load(base_url, cycle, concurrency=streams, once=True, timeout_s=120)
                seconds = max(duration_s, MANY_STREAMS_MIN_S) if streams >= MANY_STREAMS else duration_s
                return run_load(base_url, requests, concurrency=streams, duration_s=seconds, timeout_s=120)

            floor = load(f"http://127.0.0.1:{direct_port}", direct_requests)
            floors[streams] = floor.rps
            _row(section, "nginx sendfile (floor)", streams, floor, None, target=False)
            _row(section, "app (gunicorn, object_response)", streams, load(stack.base_url, app_requests), floor.rps,
                 target=True)
            _row(section, "X-Accel-Redirect (nginx → app → nginx)", streams,
                 load(f"http://127.0.0.1:{proxied_port}", app_requests), floor.rps, target=True)
            _row(section, "signed link (the app's one 302, then nginx alone)", streams,
                 load(f"http://127.0.0.1:{signed_port}", signed_requests), floor.rps, target=True)
    web_after = pss_mb(stack.processes().get("web", []))
    section.notes.append(f"the stack's web workers (gunicorn master + workers): PSS {web_before:,.0f} MB before the "
                         f"streaming rows, {web_after:,.0f} MB after ({web_after - web_before:+,.0f} MB) with up to "
                         f"{levels[-1]:,} concurrent streams.")
    section.notes.append(f"nginx: {os.cpu_count()} worker processes, sendfile on, the deploy template's X-Accel location; "
                         "the extra gunicorn runs `make run`'s web command (same workers and threads).")
    return [section]
