"""The Celery worker's memory at idle and the first upload after a cold start, on the embedded stack.

Run by hand, not in CI:
    .venv/bin/python bench/etl_worker_memory.py                 # var dir var/etl-memory, a 180 s MP3
    .venv/bin/python bench/etl_worker_memory.py --seconds 30
It starts PostgreSQL and Redis under its own var dir (JONQUILS_VAR_DIR, default var/etl-memory),
migrates, starts the worker exactly as `make run` does (jonquils.embedded.services.celery_command,
beat embedded), and reports:
  ready          seconds from spawning the worker to Celery's "ready" line
  idle PSS       /proc/<pid>/smaps_rollup of the worker's main process and each child, 3 s after ready
  first upload   seconds from upload_create (the API's service) to the upload being done, the
                 first task this worker runs (no warm-up paid inside it, or it shows here)
  after PSS      the same processes once that upload is done
Everything it started is stopped at the end.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "WARNING")


def pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def report(label: str, pid: int) -> None:
    main_kb, kids = pss_kb(pid), [(child, pss_kb(child)) for child in children(pid)]
    total = main_kb + sum(kb for _, kb in kids)
    parts = ", ".join(f"child {child} {kb / 1024:.0f}" for child, kb in kids)
    print(f"{label:<14} main {main_kb / 1024:.0f} MB, {parts}; total {total / 1024:.0f} MB PSS", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the uploaded track")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")

    os.environ.setdefault("JONQUILS_VAR_DIR", str(ROOT / "var" / "etl-memory"))
    from jonquils.embedded.paths import embedded_paths
    from jonquils.embedded.services import EmbeddedStack, celery_command

    paths = embedded_paths()
    stack = EmbeddedStack(paths)
    worker = None
    try:
        env = dict(os.environ, **stack.start(), DJANGO_SETTINGS_MODULE="jonquils.settings", PYTHONUNBUFFERED="1")
        os.environ.update(env)
        for step in (("migrate", "--noinput", "-v", "0"), ("ensure_buckets",)):
            subprocess.run([sys.executable, str(ROOT / "manage.py"), *step], env=env, check=True, cwd=ROOT,
                           capture_output=True)
        log = paths.var_dir / "worker.log"
        started = time.perf_counter()
        with open(log, "w") as handle:
            worker = subprocess.Popen(celery_command("worker", var_run_dir=paths.run_dir, beat=True), env=env, cwd=ROOT,
                                      stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.perf_counter() - started > 300:
                print(log.read_text()[-3000:], file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"ready          {time.perf_counter() - started:.1f} s after spawning the worker", flush=True)
        time.sleep(3)
        report("idle PSS", worker.pid)
        print(f"first upload   {_first_upload(args.seconds):.2f} s for a {args.seconds:.0f} s MP3", flush=True)
        report("after PSS", worker.pid)
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        stack.stop()
    return 0


def _first_upload(seconds: float) -> float:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from catalog.audio_synthesis import Piece, encode, synthesize
    from etl.models import TrackUpload, UploadStatus
    from etl.services import upload_create

    user, _ = get_user_model().objects.get_or_create(username="etl-memory-bench",
                                                     defaults={"email": "etl-memory-bench@example.invalid"})
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "first.mp3"
        source.write_bytes(encode(synthesize(Piece(seconds=seconds, bpm=120, seed=int(time.time()))), "mp3"))
        import hashlib

        checksum = hashlib.sha256(source.read_bytes()).hexdigest()
        begin = time.perf_counter()
        with transaction.atomic():
            result = upload_create(uploader=user, source_path=source, original_filename="first.mp3",
                                   checksum=checksum, file_size=source.stat().st_size)
    upload_id = result.upload.pk
    while TrackUpload.objects.filter(pk=upload_id).values_list("status", flat=True)[0] not in (
            UploadStatus.DONE, UploadStatus.FAILED):
        if time.perf_counter() - begin > 300:
            raise SystemExit("the upload was not processed within 300 s")
        time.sleep(0.05)
    return time.perf_counter() - begin


if __name__ == "__main__":
    sys.exit(main())
