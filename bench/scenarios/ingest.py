"""Ingest: the ETL in one process next to its floors, and uploads through the running stack end to end.

(a) In-process (what bench/etl.py measured): generated tagged MP3s (with a cover) in a temporary
media directory and a scratch database `jonquils_etl_bench` on the stack's PostgreSQL (rebuilt
each run, so the bench catalog is untouched); one process does the work, so every figure is per
core. The floors: mutagen alone (`mutagen.File`) and decode alone (PyAV decodes every frame). The
tags figure is `read_tags_and_cover` (one parse, as the pipeline reads) + SHA-256 (the metadata
half, no decoding); the full pipeline is `extract_new_tracks` + `process_pending` (probe, full
decode, audio features on three 30 s excerpts, genre, tags, cover thumbnails, the rows in one
transaction per file) after `warm_up()` (the worker runs it once at start, not per track). It
runs in a child process under the stack's environment (`python -m bench.scenarios.ingest`).

(b) Through the stack: short generated MP3s (each unique, so none is refused as a duplicate)
are uploaded through `POST /api/v1/tracks/upload` by the seed's admin (uploads are for artists
and admins) from 4 client threads, and the stack's own Celery worker processes them; the
scenario polls each upload's `status_url` until it is done or failed and reports files/s
from the first upload to the last one processed.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..core import ROOT
from ..report import Section

SCRATCH_DB = "jonquils_etl_bench"
UPLOAD_THREADS = 4
UPLOAD_SECONDS = 3.0  # each uploaded file's length
TERMINAL = ("done", "failed")
ADMIN = "bench-admin"


def generated_files(n: int, *, seconds: float, tag: str, cover: bool = False) -> list[tuple[str, bytes]]:
    """`n` tagged MP3s of `seconds` each, unique (a random salt in the tags and the tone) so none is a duplicate."""
    import mutagen
    from mutagen.id3 import APIC, ID3

    from catalog.audio_synthesis import Piece, encode, synthesize

    salt = uuid.uuid4().hex[:8]
    art = _cover() if cover else None
    files = []
    with tempfile.TemporaryDirectory(prefix="jq-bench-gen-") as folder:
        for i in range(n):
            path = Path(folder) / f"{tag}-{i:05d}.mp3"
            piece = Piece(seconds=seconds, bpm=80 + 7 * (i % 12), root_hz=110 + 13 * (i % 17), harmonics=1 + i % 5,
                          seed=int(salt, 16) + i)
            path.write_bytes(encode(synthesize(piece), "mp3"))
            tagged = mutagen.File(str(path), easy=True)
            if tagged.tags is None:
                tagged.add_tags()
            tagged["title"], tagged["artist"] = f"Bench {tag} {salt} {i}", f"Bench Artist {i % 5}"
            tagged["album"] = f"Bench Album {i % 3}"
            tagged.save()
            if art:
                id3 = ID3(str(path))
                id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=art))
                id3.save()
            files.append((path.name, path.read_bytes()))
    return files


def _cover() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 600), (90, 140, 200)).save(out, format="JPEG")
    return out.getvalue()


# --- (b) through the stack ----------------------------------------------------------------------

def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: audio/mpeg\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _request(url: str, token: str, *, data: bytes | None = None, content_type: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read()[:300].decode(errors="replace")}


def _admin_token(stack) -> str:
    return stack.token(ADMIN, stack.seed["bench_user"]["password"])


def upload_and_wait(stack, files: list[tuple[str, bytes]], *, timeout_s: float) -> dict:
    """Upload `files` through the API, wait until each is done or failed; {uploaded, processed, failed, seconds, errors}."""
    token = _admin_token(stack)
    began = time.perf_counter()

    def upload(item):
        body, content_type = _multipart(*item)
        return _request(f"{stack.base_url}/api/v1/tracks/upload", token, data=body, content_type=content_type)

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        answers = list(pool.map(upload, files))
    uploaded_s = time.perf_counter() - began
    refused = [f"{status}: {body.get('error', body)}"[:200] for status, body in answers if status != 202]
    pending = [body["status_url"] for status, body in answers if status == 202 and not body.get("duplicate")]
    states: dict[str, str] = {}
    errors: list[str] = []
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        still = []
        for index, status_url in enumerate(pending):
            status, body = _request(stack.base_url + status_url, token)
            state = body.get("status") if status == 200 else None
            if state in TERMINAL:
                states[status_url] = state
                if state == "failed" and len(errors) < 3:
                    errors.append(str(body.get("error"))[:200])
            else:
                still = pending[index:]  # processed roughly in order: the rest is behind this one
                break
        pending = [url for url in still if url not in states]
        if pending:
            time.sleep(0.3)
    seconds = time.perf_counter() - began
    done = sum(1 for state in states.values() if state == "done")
    return {"uploaded": len(files) - len(refused), "processed": done, "failed": len(states) - done + len(refused),
            "unfinished": len(pending), "seconds": seconds, "upload_seconds": uploaded_s,
            "errors": refused[:3] + errors}


def _through_stack(stack, *, smoke: bool) -> Section:
    n = 10 if smoke else 1000
    files = generated_files(n, seconds=UPLOAD_SECONDS, tag="ingest")
    size_mb = sum(len(content) for _, content in files) / 1e6
    outcome = upload_and_wait(stack, files, timeout_s=600 if smoke else 3600)
    out = Section("Ingest through the stack (upload API → the stack's Celery worker)",
                  ["files", "MB", "uploads accepted", "processed", "failed", "unfinished", "upload s", "end to end s",
                   "files/s end to end"],
                  intro=f"{n:,} generated {UPLOAD_SECONDS:g} s MP3s (unique), uploaded by {ADMIN} from {UPLOAD_THREADS} "
                        "threads; end to end is from the first upload to the last one done or failed (polled on each "
                        "upload's status URL).")
    out.add(n, round(size_mb, 1), outcome["uploaded"], outcome["processed"], outcome["failed"], outcome["unfinished"],
            outcome["upload_seconds"], outcome["seconds"], n / outcome["seconds"] if outcome["seconds"] else 0.0)
    out.notes += [f"failure: {error}" for error in outcome["errors"]]
    return out


# --- (a) in one process ---------------------------------------------------------------------------

def _in_process(stack, *, smoke: bool) -> Section:
    spec = {"n": 3 if smoke else 20, "seconds": 10.0 if smoke else 180.0}
    env = {**stack.env, "DJANGO_SETTINGS_MODULE": "jonquils.settings", "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "bench.scenarios.ingest"], input=json.dumps(spec), env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the in-process ETL bench failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    n, track_s = figures["n"], figures["seconds"]
    decode_ms = figures["ms"]["decode"]
    out = Section("Ingest in one process (per core), next to the mutagen and decode floors",
                  ["step", "files/s per core", "ms per file", "× real time", "ratio to decode floor", "target", "met"],
                  intro=f"{n} generated {track_s:g} s tagged MP3s with a 600×600 cover, one process (so per core), "
                        f"scratch database {SCRATCH_DB} on the stack's PostgreSQL; load average "
                        f"{figures['load']:.2f} on {os.cpu_count()} cores at the start.")
    targets = {"tags": ("≥ 1,000 files/s", lambda ms: 1000 / ms >= 1000),
               "full": ("≤ 5× decode floor", lambda ms: ms <= 5 * decode_ms)}
    names = {"mutagen": "floor: mutagen alone", "decode": "floor: decode alone (PyAV, every frame)",
             "tags": "tags + cover + SHA-256 (no decoding, no rows)", "full": "full pipeline (extract + process, rows)"}
    for key, name in names.items():
        ms = figures["ms"][key]
        target, check = targets.get(key, ("–", None))
        out.add(name, 1000 / ms, ms, track_s * 1000 / ms, f"{ms / decode_ms:.2f}×", target,
                ("yes" if check(ms) else "no") if check else "–")
    return out


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:  # noqa: ARG001 - sized by file counts
    return [_in_process(stack, smoke=smoke), _through_stack(stack, smoke=smoke)]


def _measure(n: int, seconds: float) -> dict:
    """The child process: a scratch database, generated files, the four timings (ms per file)."""
    import django
    import psycopg

    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER"),
              "password": db.get("PASSWORD") or None, "dbname": "postgres"}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    db["NAME"] = SCRATCH_DB
    django.setup()
    import av
    import mutagen
    from django.core.files.storage import storages
    from django.core.management import call_command

    from catalog.audio import read_tags_and_cover
    from etl.audio.features import warm_up
    from etl.pipeline.extract import extract_new_tracks
    from etl.pipeline.process import _sha256
    from etl.pipeline.run import process_pending
    from jonquils.storage import build_storages, ensure_buckets

    call_command("migrate", verbosity=0)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="jq-bench-etl-") as media:
        settings.STORAGES = build_storages(media_root=media)
        storages._backends, storages._storages = None, {}
        ensure_buckets()
        paths = []
        for i, (name, content) in enumerate(generated_files(n, seconds=seconds, tag="etl", cover=True)):
            path = Path(media) / "tracks" / f"{i // 10:02d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            paths.append(path)

        def per_file(func) -> float:
            began = time.perf_counter()
            for path in paths:
                func(path)
            return (time.perf_counter() - began) * 1000 / n

        def decode(path: Path) -> None:
            with av.open(str(path)) as container:
                for _ in container.decode(audio=0):
                    pass

        ms = {"mutagen": per_file(lambda p: mutagen.File(str(p))), "decode": per_file(decode),
              "tags": per_file(lambda p: (read_tags_and_cover(p), _sha256(p)))}
        warm_up()
        settings.ETL_EXTRACT_MIN_AGE_S = 0
        began = time.perf_counter()
        extract_new_tracks()
        result = process_pending()
        ms["full"] = (time.perf_counter() - began) * 1000 / n
        if result["processed"] != n or result["failed"]:
            raise RuntimeError(f"the pipeline did not process every file: {result}")
    from django.db import connections

    connections.close_all()
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    return {"n": n, "seconds": seconds, "ms": ms, "load": load}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    request = json.loads(sys.stdin.read())
    print(json.dumps(_measure(request["n"], request["seconds"])))
