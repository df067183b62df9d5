"""Analytics ingest and dashboard benchmark (by hand, not in CI).

    .venv/bin/python bench/analytics.py --events 1000000     # a first check
    .venv/bin/python bench/analytics.py                      # 10 million listen events

Uses its own var/bench (embedded PostgreSQL, Redis, chDB in this process). Prints:
1. ingest rows/s through the real path (events → bounded Redis stream → drain batches with
   the duplicate check on redelivery → track_analytics) next to the floor: a raw
   bulk insert of the same rows (JSONEachRow, 50k per insert) into a plain copy of the table;
2. the latency of each dashboard query at that size (median of 3 runs, cache bypassed);
3. the costs behind two design choices: chDB open-per-use vs the owner's socket, and
   FINAL on a ReplacingMergeTree vs the plain table with the insert-side duplicate check.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JONQUILS_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("LOG_DIR", str(ROOT / "var" / "bench" / "logs"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
os.environ.setdefault("ANALYTICS_BUFFER_MAX_EVENTS", "5000000")

CHUNK = 50_000
USERS, TRACKS, ARTISTS = 100_000, 50_000, 5_000
PLATFORMS = [("web", "desktop"), ("ios", "mobile"), ("android", "mobile"), ("desktop", "desktop"), ("web", "tablet")]


def generate(n: int, seed: int, now: datetime):
    """Yield chunks of listen rows (play, and complete/skip by the listen rule), 90 days back from now."""
    from analytics.events import listen_actions

    rnd = random.Random(seed)
    start_ms = int((now - timedelta(days=90)).timestamp() * 1000)
    span_ms = 90 * 86_400_000
    chunk, produced = [], 0
    while produced < n:
        track = int(rnd.paretovariate(1.2)) % TRACKS + 1
        completion = rnd.random() * 100
        played = int(completion * 2000)
        ts = datetime.fromtimestamp((start_ms + rnd.randrange(span_ms)) / 1000, tz=timezone.utc)
        platform, device = PLATFORMS[rnd.randrange(len(PLATFORMS))]
        stamp = ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        user = rnd.randrange(1, USERS + 1)
        for action in listen_actions(completion_percentage=completion, play_duration_ms=played)[:n - produced]:
            chunk.append({"timestamp": stamp, "event_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                          "track_id": track, "artist_id": track % ARTISTS + 1, "user_id": user, "action": action,
                          "duration_played_ms": played, "platform": platform, "device_type": device, "country": ""})
            produced += 1
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def timed(fn, runs: int = 3) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    args = parser.parse_args()

    from jonquils.embedded.paths import embedded_paths
    from jonquils.embedded.services import EmbeddedStack

    stack = EmbeddedStack(embedded_paths())
    stack.start()
    try:
        return run(args.events)
    finally:
        stack.stop()


def run(n: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from analytics import buffer, selectors
    from analytics.clickhouse import ChdbBackend, ClickHouseClient, set_process_backend
    from analytics.clickhouse.migrations import ALL_TABLES, migrate
    from analytics.periods import Period

    path = Path(settings.CLICKHOUSE_CHDB_PATH)
    backend = ChdbBackend(path)
    set_process_backend(backend)
    client = ClickHouseClient(backend)
    migrate(client)
    for table in ALL_TABLES + ("track_analytics_floor", "track_analytics_rmt"):
        client.command(f"TRUNCATE TABLE IF EXISTS {table}")
    client.command("CREATE TABLE IF NOT EXISTS track_analytics_floor AS track_analytics")
    redis = buffer.get_redis()
    redis.delete(buffer.STREAM, buffer.DROPPED)
    buffer.ensure_group()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    print(f"JONQUILS analytics bench: {n:,} listen events, chDB at {path}, batch {settings.ANALYTICS_BATCH_SIZE}, "
          f"duplicate check on every batch: {settings.ANALYTICS_DEDUP_EVERY_BATCH}\n", flush=True)

    # --- 1a. the floor: raw bulk insert of the same rows --------------------------------------
    floor_s = 0.0
    for chunk in generate(n, 1, now):
        statement = "INSERT INTO track_analytics_floor FORMAT JSONEachRow\n" + "\n".join(
            json.dumps(r, separators=(",", ":")) for r in chunk)
        started = time.perf_counter()  # the floor times the insert only, not our JSON encoding
        backend.command(statement)
        floor_s += time.perf_counter() - started
    print(f"floor  raw bulk insert (JSONEachRow, {CHUNK:,}/insert, plain copy): {n / floor_s:>12,.0f} rows/s "
          f"({floor_s:.1f} s)", flush=True)

    # --- 1b. the real path: push to the Redis stream while one drainer delivers ------------------
    done = threading.Event()
    delivered = [0, 0]  # inserted, duplicates

    def drainer():
        while True:
            result = buffer.drain_batch(client, consumer="bench")
            delivered[0] += result.inserted
            delivered[1] += result.duplicates
            if result.read == 0:
                if done.is_set() and redis.xlen(buffer.STREAM) == 0:
                    return
                time.sleep(0.02)

    started = time.perf_counter()
    thread = threading.Thread(target=drainer)
    thread.start()
    push_s = 0.0
    for chunk in generate(n, 1, now):
        t0 = time.perf_counter()
        for i in range(0, len(chunk), 1000):
            accepted = buffer.push_many([("track_analytics", row) for row in chunk[i:i + 1000]])
            assert accepted == len(chunk[i:i + 1000]), "events dropped: raise ANALYTICS_BUFFER_MAX_EVENTS"
        push_s += time.perf_counter() - t0
        while redis.xlen(buffer.STREAM) > 1_000_000:  # keep the bench inside the buffer's cap
            time.sleep(0.05)
    done.set()
    thread.join()
    total_s = time.perf_counter() - started
    stored = client.scalar("SELECT count() FROM track_analytics")
    print(f"ingest buffer → drain → track_analytics:                    {n / total_s:>12,.0f} rows/s "
          f"({total_s:.1f} s; producers' share {push_s:.1f} s; floor/ingest = {total_s / floor_s:.1f}×)")
    print(f"       stored {stored:,} rows, duplicates skipped {delivered[1]}, dropped {buffer.stats()['dropped']}\n")
    assert stored == n, "the pipeline lost or duplicated events"

    # --- 2. dashboards at this size --------------------------------------------------------------
    from django.core.cache import cache

    cache.clear()
    backend.command("INSERT INTO api_requests_log SELECT now64(3) - toIntervalSecond(number % 2592000), generateUUIDv4(), "
                   "toString(number), number % 5000, 'GET', concat('/api/v1/e', toString(number % 40)), "
                   "if(number % 97 = 0, 500, 200), (number % 1000) / 10, 'bench', '127.0.0.1' FROM numbers(1000000)")
    backend.command("INSERT INTO search_analytics SELECT now64(3) - toIntervalSecond(number % 2592000), generateUUIDv4(), "
                   "number % 5000, concat('q', toString(number % 3000)), number % 7, 0 FROM numbers(1000000)")
    heavy_user = client.scalar("SELECT user_id FROM track_analytics GROUP BY user_id ORDER BY count() DESC LIMIT 1")
    top_track = client.rows("SELECT track_id, any(artist_id) AS a FROM track_analytics GROUP BY track_id "
                            "ORDER BY count() DESC LIMIT 1")[0]
    top_artist = client.scalar("SELECT artist_id FROM track_analytics GROUP BY artist_id ORDER BY count() DESC LIMIT 1")

    class Obj:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    track = Obj(pk=int(top_track["track_id"]), artist_id=int(top_track["a"]), title="bench")
    artist = Obj(pk=int(top_artist), name="bench")
    today = now.date()
    month = Period(start=today - timedelta(days=29), end=today)
    quarter = Period(start=today - timedelta(days=89), end=today, granularity="week")
    queries = [
        ("user report, 30 days (heaviest user)", lambda: selectors.user_listening_report(user_id=int(heavy_user), period=month)),
        ("track report, 30 days (top track)", lambda: selectors.track_report(track=track, period=month)),
        ("track report, 90 days by week", lambda: selectors.track_report(track=track, period=quarter)),
        ("artist report, 30 days (top artist)", lambda: selectors.artist_report(artist=artist, period=month)),
        ("platform report, 30 days", lambda: selectors.platform_report(period=month)),
        ("platform report, 90 days by week", lambda: selectors.platform_report(period=quarter)),
        ("ETL track_popularity (all tracks)", lambda: selectors.track_popularity(as_of=now)),
        ("ETL daily_track_plays, one day", lambda: selectors.daily_track_plays(start=today - timedelta(days=1),
                                                                             end=today - timedelta(days=1))),
        ("ETL daily_artist_plays, one day", lambda: selectors.daily_artist_plays(start=today - timedelta(days=1),
                                                                               end=today - timedelta(days=1))),
    ]
    print("dashboard query latency (median of 3, ms):")
    for name, fn in queries:
        ms, _ = timed(fn)
        print(f"  {name:<42} {ms:>9.1f}")

    # --- 3a. duplicate handling: FINAL on ReplacingMergeTree vs plain + insert-side check --------
    client.command("CREATE TABLE IF NOT EXISTS track_analytics_rmt AS track_analytics_floor ENGINE = ReplacingMergeTree "
                   "PARTITION BY toYYYYMM(timestamp) ORDER BY (artist_id, track_id, timestamp, event_id) "
                   "SETTINGS deduplicate_merge_projection_mode = 'rebuild'")
    client.command("INSERT INTO track_analytics_rmt SELECT * FROM track_analytics_floor")
    where = "action = 'play' AND timestamp >= now64(3) - toIntervalDay(30)"
    plain, _ = timed(lambda: client.scalar(f"SELECT count(), uniqExact(user_id) FROM track_analytics WHERE {where}"))
    final, _ = timed(lambda: client.scalar(f"SELECT count(), uniqExact(user_id) FROM track_analytics_rmt FINAL WHERE {where}"))
    per_track = f"artist_id = {track.artist_id} AND track_id = {track.pk} AND {where}"
    plain_t, _ = timed(lambda: client.scalar(f"SELECT count() FROM track_analytics WHERE {per_track}"))
    final_t, _ = timed(lambda: client.scalar(f"SELECT count() FROM track_analytics_rmt FINAL WHERE {per_track}"))
    rows = client.rows("SELECT timestamp, toString(event_id) AS event_id, artist_id, track_id FROM track_analytics "
                       "ORDER BY rand() LIMIT 5000")
    rows = [{**r, "timestamp": str(r["timestamp"])} for r in rows]
    check, _ = timed(lambda: buffer._existing_event_ids(client, "track_analytics", rows))
    print("\nduplicates: FINAL vs plain table (median ms)")
    print(f"  30-day plays + listeners, whole table:  plain {plain:8.1f}   FINAL {final:8.1f}")
    print(f"  30-day plays of one track:              plain {plain_t:8.1f}   FINAL {final_t:8.1f}")
    print(f"  insert-side check of one 5,000-event batch against {n:,} rows: {check:.1f} ms")

    # --- 3b. open-per-use vs one owner answering over a socket ------------------------------------
    from analytics.clickhouse.backends import OwnerBackend
    from analytics.owner import Owner

    q = "SELECT count() FROM search_analytics WHERE results_count = 0"
    in_process, _ = timed(lambda: backend.query(q), runs=20)
    sock = Path(tempfile.mkdtemp(prefix="jq-bench-")) / "a.sock"
    owner = Owner(socket_path=sock, drain=False, backend=backend)
    threading.Thread(target=owner.serve, daemon=True).start()
    while not sock.exists():
        time.sleep(0.01)
    remote = OwnerBackend(sock)
    via_socket, _ = timed(lambda: remote.query(q), runs=20)
    owner.server.shutdown()
    backend.close()
    opens = []
    for _ in range(5):
        t0 = time.perf_counter()
        b = ChdbBackend(path)
        b.query(q)
        b.close()
        opens.append((time.perf_counter() - t0) * 1000)
    print("\nembedded access (median ms): same query")
    print(f"  in the owner process {in_process:.1f} | via the owner's Unix socket {via_socket:.1f} | "
          f"open + query + close per use {statistics.median(opens):.1f} (plus ≈0.9 s to import chDB once per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
