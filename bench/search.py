"""Search at 1M tracks: p50/p95 of search and suggest next to a naive ILIKE '%q%' scan.

Run by hand, not in CI (≈5-10 min on 2 cores, most of it loading the data):

    .venv/bin/python bench/search.py                 # 1,000,000 tracks, embedded server under var/bench
    .venv/bin/python bench/search.py --rows 100000   # quicker look
    DATABASE_URL=postgres://... .venv/bin/python bench/search.py   # an existing server

It works in its own scratch database (`jonquils_search_bench`, dropped and rebuilt with
--reload, reused otherwise) and never touches the project's data. Tracks are generated
inside PostgreSQL (INSERT ... SELECT generate_series) from a vocabulary whose words follow
a Zipf-like law, so a few words are very common and most are rare, like real titles; the
search columns are filled by the same triggers as in production.
"""
from __future__ import annotations

import argparse
import atexit
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "jonquils_search_bench"

from bench.seed_names import SEARCH_TERMS, vocabulary  # noqa: E402 (after the sys.path insert)

QUERIES = {  # name: (query, what it exercises)
    "rare": SEARCH_TERMS["rare"],
    "common": SEARCH_TERMS["common"],
    "typo": SEARCH_TERMS["typo"],
    "prefix": SEARCH_TERMS["prefix"],
}


def _vocabulary(size: int) -> list[str]:
    return vocabulary(size, seed=42)


def _server() -> dict:
    """Connection settings of the server; starts the embedded one under var/bench when no DATABASE_URL is set."""
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("JONQUILS_VAR_DIR", str(ROOT / "var" / "bench"))
        from jonquils.embedded.paths import embedded_paths
        from jonquils.embedded.services import EmbeddedPostgres

        server = EmbeddedPostgres(embedded_paths())
        server.start()
        atexit.register(server.stop)  # the server would outlive the bench otherwise
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
    from django.conf import settings

    return settings.DATABASES["default"]


def _ensure_database(db: dict, *, reload: bool) -> None:
    import psycopg

    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER"),
              "password": db.get("PASSWORD") or None, "dbname": "postgres"}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and reload:
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _load(rows: int, artists: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM tracks")
        if cur.fetchone()[0] >= rows:
            print(f"reusing {rows:,} tracks already loaded (--reload to rebuild)")
            return
        vocab = _vocabulary(20_000)
        started = time.perf_counter()
        cur.execute("CREATE TEMP TABLE vocab (i int PRIMARY KEY, w text NOT NULL)")
        cur.execute("INSERT INTO vocab SELECT ordinality, w FROM unnest(%s::text[]) WITH ORDINALITY w", [vocab])
        # word(n): Zipf-like pick, P(i) ~ 1/i (floor of N^u for uniform u)
        cur.execute("""
            CREATE FUNCTION pg_temp.word() RETURNS text LANGUAGE sql VOLATILE AS
            $$ SELECT w FROM vocab WHERE i = (SELECT least(floor(power(20000, random()))::int, 20000)) $$""")
        cur.execute("INSERT INTO genres (name, description) SELECT 'Genre ' || g, '' FROM generate_series(1, 30) g")
        cur.execute("""
            INSERT INTO artists (name, bio, country, image, created_at, updated_at)
            SELECT initcap(pg_temp.word() || CASE WHEN random() < 0.5 THEN ' ' || pg_temp.word() ELSE '' END),
                   'Plays ' || pg_temp.word() || ' and ' || pg_temp.word() || ' music.', '', '', now(), now()
            FROM generate_series(1, %s)""", [artists - 1])
        cur.execute("INSERT INTO artists (name, bio, country, image, created_at, updated_at) VALUES ('Metallica', 'Heavy metal band.', 'US', '', now(), now())")
        # Bulk load: build the track indexes once at the end rather than row by row.
        cur.execute("DROP INDEX IF EXISTS tracks_search_vector_idx, tracks_search_text_trgm_idx")
        cur.execute("SELECT min(id), max(id) FROM artists")
        low, high = cur.fetchone()
        batch = 100_000
        for start in range(0, rows, batch):
            size = min(batch, rows - start)
            cur.execute("""
                INSERT INTO tracks (artist_id, genre_id, title, duration_ms, file_path, mime_type, checksum,
                                    popularity, tempo, energy, valence, processing_status, processing_error,
                                    created_at, updated_at)
                SELECT %s + floor(random() * (%s - %s + 1))::bigint, (SELECT min(id) FROM genres) + (g %% 30),
                       initcap(pg_temp.word() || ' ' || pg_temp.word() || CASE WHEN random() < 0.5 THEN ' ' || pg_temp.word() ELSE '' END),
                       120000 + (g %% 240000), '', '', '', round((power(random(), 3) * 1000)::numeric, 1),
                       60 + random() * 120, random(), random(), 'ready', '', now(), now()
                FROM generate_series(1, %s) g""", [low, high, low, size])
            print(f"  {start + size:,} tracks", end="\r", flush=True)
        cur.execute("""
            UPDATE tracks SET title = 'Zyzzogeton ' || title WHERE id IN (SELECT id FROM tracks ORDER BY random() LIMIT 10)""")
        cur.execute("""
            UPDATE tracks SET artist_id = (SELECT id FROM artists WHERE name = 'Metallica')
            WHERE id IN (SELECT id FROM tracks ORDER BY random() LIMIT 40)""")
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("CREATE INDEX tracks_search_vector_idx ON tracks USING gin (search_vector)")
        cur.execute("CREATE INDEX tracks_search_text_trgm_idx ON tracks USING gin (search_text gin_trgm_ops)")
        cur.execute("ANALYZE")
        print(f"loaded {rows:,} tracks and {artists:,} artists in {time.perf_counter() - started:.0f} s")


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    result = None
    for _ in range(3):
        result = fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], result


def _measure(repeat: int) -> None:
    from django.db import connection

    from search.selectors import hits_hydrate
    from search.services import search_request_build, search_run, suggest

    def search(q):
        hits = search_run(request=search_request_build(entity="track", query=q), announce=False)
        hits_hydrate(hits=hits[:20])
        return len(hits)

    def suggest_(q):
        return len(hits_hydrate(hits=suggest(query=q[:4])))

    def ilike(q):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT t.id FROM tracks t JOIN artists a ON a.id = t.artist_id"
                " WHERE t.title ILIKE %s OR a.name ILIKE %s ORDER BY t.popularity DESC LIMIT 20",
                [f"%{q}%", f"%{q}%"],
            )
            return len(cur.fetchall())

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM tracks")
        total = cur.fetchone()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{total:,} tracks; {repeat} runs per figure after 3 warm-up runs; milliseconds; load average {load}\n")
    print(f"{'query':<22}{'search p50':>11}{'p95':>8}{'hits':>6}  {'suggest p50':>11}{'p95':>8}  "
          f"{'ILIKE p50':>10}{'p95':>8}{'hits':>6}  {'ILIKE/search':>12}")
    for name, q in QUERIES.items():
        s50, s95, s_hits = _timed(lambda: search(q), repeat)
        g50, g95, _ = _timed(lambda: suggest_(q), repeat)
        i50, i95, i_hits = _timed(lambda: ilike(q), repeat)
        label = f"{name} '{q}'"
        print(f"{label:<22}{s50:>11.1f}{s95:>8.1f}{s_hits:>6}  {g50:>11.1f}{g95:>8.1f}  "
              f"{i50:>10.1f}{i95:>8.1f}{i_hits:>6}  {i50 / s50:>11.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--artists", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reload", action="store_true", help="drop and rebuild the scratch database")
    args = parser.parse_args()

    db = _server()
    _ensure_database(db, reload=args.reload)
    db["NAME"] = BENCH_DB  # before the first connection: the project's own database is never touched
    import django

    django.setup()
    _load(args.rows, args.artists)
    _measure(args.repeat)


if __name__ == "__main__":
    main()
