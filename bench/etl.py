"""ETL throughput: tracks/minute on one core for each stage, next to the floors (mutagen alone, decoding alone).

Run by hand, not in CI:
    .venv/bin/python bench/etl.py                  # 20 generated 3-minute MP3s
    .venv/bin/python bench/etl.py -n 50 --format flac --seconds 180
    DATABASE_URL=postgres://... .venv/bin/python bench/etl.py   # an existing server
It works in its own scratch database (`jonquils_etl_bench`, rebuilt each run) and a temporary
media directory; the embedded PostgreSQL under var/bench is started when no DATABASE_URL is set.
One process does the work, so each figure is tracks per minute per core. What is measured:
  floor: mutagen alone     mutagen.File(path) on each file (the tag parser's own cost)
  floor: decode alone      PyAV decodes every frame of each file (the cost of reading the audio)
  tags-only                read_tags + embedded_cover + SHA-256 (the metadata half, no decoding, no database)
  full pipeline            extract_new_tracks + process_pending: probe, full decode (validation),
                           audio features on the first 120 s (librosa, warmed before timing),
                           genre prediction, tags, cover thumbnails, artist/album/track rows in
                           one transaction per file
"""
from __future__ import annotations

import argparse
import atexit
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "jonquils_etl_bench"
# Before anything imports the settings (jonquils/__init__ does): one INFO line per file would bury the figures.
os.environ.setdefault("LOG_LEVEL", "WARNING")
EXTENSIONS = {"mp3": "mp3", "flac": "flac", "ogg": "ogg", "opus": "opus", "m4a": "m4a", "wav": "wav"}


def _database() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("JONQUILS_VAR_DIR", str(ROOT / "var" / "bench"))
        from jonquils.embedded.paths import embedded_paths
        from jonquils.embedded.services import EmbeddedPostgres

        server = EmbeddedPostgres(embedded_paths())
        server.start()
        atexit.register(server.stop)  # the server would outlive the bench otherwise
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER"),
              "password": db.get("PASSWORD") or None, "dbname": "postgres"}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    db["NAME"] = BENCH_DB
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(n: int, fmt: str, seconds: float, folder: Path) -> list[Path]:
    import mutagen
    from PIL import Image

    from catalog.audio_synthesis import Piece, encode, synthesize

    cover = io.BytesIO()
    Image.new("RGB", (600, 600), (90, 140, 200)).save(cover, format="JPEG")
    paths = []
    for i in range(n):
        path = folder / f"{i // 10:02d}" / f"track-{i:04d}.{EXTENSIONS[fmt]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        piece = Piece(seconds=seconds, bpm=80 + 7 * (i % 12), root_hz=110 + 13 * (i % 17), harmonics=1 + i % 5, seed=i)
        path.write_bytes(encode(synthesize(piece), fmt))
        tagged = mutagen.File(str(path), easy=True)
        if tagged.tags is None:
            tagged.add_tags()
        tagged["title"], tagged["artist"], tagged["album"] = f"Bench {i}", f"Bench Artist {i % 5}", f"Bench Album {i % 3}"
        tagged.save()
        if fmt == "mp3":
            from mutagen.id3 import APIC, ID3

            id3 = ID3(str(path))
            id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover.getvalue()))
            id3.save()
        paths.append(path)
    return paths


def _rate(label: str, n: int, seconds: float, floor: float | None = None) -> float:
    per_min = n / seconds * 60
    ratio = f"   {seconds / n * 1000 / floor:5.2f}× the decode floor" if floor else ""
    print(f"{label:<22} {per_min:10.1f} tracks/min/core   {seconds / n * 1000:8.1f} ms/track{ratio}")
    return seconds / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="tracks to generate and process")
    parser.add_argument("--format", choices=sorted(EXTENSIONS), default="mp3")
    parser.add_argument("--seconds", type=float, default=180.0, help="length of each track")
    args = parser.parse_args()

    _database()
    import av
    import mutagen
    from django.conf import settings
    from django.core.files.storage import storages

    from catalog.audio import embedded_cover, read_tags
    from etl.pipeline.extract import extract_new_tracks
    from etl.pipeline.process import _sha256
    from etl.pipeline.run import process_pending
    from jonquils.storage import build_storages, ensure_buckets

    media = Path(tempfile.mkdtemp(prefix="jonquils-etl-bench-"))
    settings.STORAGES = build_storages(media_root=media)
    storages._backends, storages._storages = None, {}
    ensure_buckets()
    started = time.perf_counter()
    paths = _generate(args.n, args.format, args.seconds, media / "tracks")
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{args.n} × {args.seconds:.0f} s {args.format} ({size_mb:.1f} MB), generated in "
          f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    def timed(func) -> float:
        begin = time.perf_counter()
        for path in paths:
            func(path)
        return time.perf_counter() - begin

    def decode(path: Path) -> None:
        with av.open(str(path)) as container:
            for _ in container.decode(audio=0):
                pass

    _rate("floor: mutagen alone", args.n, timed(lambda p: mutagen.File(str(p))))
    decode_ms = _rate("floor: decode alone", args.n, timed(decode))
    _rate("tags-only", args.n, timed(lambda p: (read_tags(p), embedded_cover(p), _sha256(p))))
    from etl.audio.features import warm_up

    warm_up()  # numba compilation is a once-per-process cost, paid by the worker at start, not per track
    begin = time.perf_counter()
    settings.ETL_EXTRACT_MIN_AGE_S = 0
    extract_new_tracks()
    result = process_pending()
    full = time.perf_counter() - begin
    assert result["processed"] == args.n and result["failed"] == 0, result
    _rate("full pipeline", args.n, full, floor=decode_ms)


if __name__ == "__main__":
    main()
