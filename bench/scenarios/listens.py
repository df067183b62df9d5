"""Listens: sustained listens/s through the API, the delay until reports show them, and the drain's rows/s.

1. `POST /api/v1/analytics/listen` (`analytics.services.listen_record`) under closed-loop load at
   two concurrencies, with the bench listener accounts' JWTs and non-overlapping slots (the api
   scenario's `listen_row`: one account cannot listen faster than time passes); then the same
   through `POST /api/v1/analytics/listens`, 50 listens a request (`listens_record`).
2. Visible: a burst of listens of one sample track, then the track's report
   (`/api/v1/analytics/track/{id}`, as the seed's admin) polled until its `plays` include the
   burst; seconds from the burst's last answer. Reports are cached per period
   (ANALYTICS_CACHE_SECONDS), so every poll asks a period of its own (`from` one day earlier each
   time): each answer comes from ClickHouse, not from the cache.
3. Drain. The floor: chDB's raw bulk insert of generated listen rows (JSONEachRow, 50,000 an
   insert, timing the insert alone) into the same table schema in a chDB of its own (a temporary
   path, in a child process: the owner holds the stack's chDB). The drain alone, timed the same
   way: the rows pushed first, untimed, into a Redis database no owner reads, then
   `analytics.buffer.drain_until_empty` (the owner's code path) into a chDB of its own. End to
   end: the rows pushed into the stack's Redis buffer (`analytics.buffer.push_many`, 1,000 a
   call) while the stack's analytics owner drains them; rows/s from the first push until
   `track_analytics` holds them all.
   The pushed rows are dated in the past 90 days over the sample tracks; they stay in the
   bench catalog's ClickHouse.
"""
from __future__ import annotations

import datetime
import json
import math
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

from ..core import ROOT
from ..load import RequestSpec, run_load
from ..queries import count_queries
from ..report import Section, ratio
from .api import LISTEN_MARKER, LISTEN_SLOT_S, listen_body, listen_row
from .common import WARMUP_S, fetch_json

LISTENERS = 500
CONCURRENCY = (8, 32)
SMOKE_CONCURRENCY = (4,)
SMOKE_LISTENS = 16
RPS_CEILING = 2000  # more listens than the stack can take in the window, so no (listener, slot) repeats
BURST, SMOKE_BURST = 200, 20
VISIBLE_TIMEOUT_S = 60
DRAIN_ROWS, SMOKE_DRAIN_ROWS = 500_000, 20_000
CHUNK = 50_000
TARGET_RPS, TARGET_P99_MS, TARGET_VISIBLE_S, TARGET_DRAIN_SHARE = 500, 200, 5.0, 0.5
# Listens a request: an app flushing its queue every few plays, and a scrobbler's backlog (Last.fm's 50).
BATCH_PATH, BATCH_SIZES, SMOKE_BATCHES = "/api/v1/analytics/listens", (10, 50), 4
BATCH_RPS_CEILING = 300  # batches a second the stack cannot reach (no (listener, slot) repeats in the window)
PLATFORMS = [("web", "desktop"), ("ios", "mobile"), ("android", "mobile"), ("desktop", "desktop"), ("web", "tablet")]
ADMIN = "bench-admin"


def _load_rows(stack, tokens, before, *, smoke: bool, duration_s: float) -> tuple[Section, str]:
    tracks = stack.seed["sample"]["track_ids"]
    out = Section("Listens through the API (sustained)", ["clients", "listens/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                                                          "target", "met"],
                  intro=(f"`POST /api/v1/analytics/listen`, {len(tokens):,} bench listener accounts' JWTs, {len(tracks)} sample "
                         "tracks, every listen a different (listener, 2 s slot in the past) so none overlaps; "
                         + ("smoke: the requests once." if smoke else f"{duration_s:g} s a row after {WARMUP_S:g} s.")))
    for clients in SMOKE_CONCURRENCY if smoke else CONCURRENCY:
        needed = SMOKE_LISTENS if smoke else math.ceil(RPS_CEILING * (duration_s + WARMUP_S))
        endpoint = listen_row(tracks, tokens, needed=needed, before=before)
        if smoke:
            result = run_load(stack.base_url, endpoint.requests, concurrency=clients, once=True)
        else:
            result = run_load(stack.base_url, endpoint.requests, concurrency=clients, duration_s=duration_s,
                              warmup_s=WARMUP_S)
        before = _earliest(endpoint.requests)
        met = result.error_count == 0 and result.rps >= TARGET_RPS and result.p99_ms <= TARGET_P99_MS
        out.add(clients, result.rps, result.p50_ms, result.p95_ms, result.p99_ms,
                ", ".join(f"{k}: {v}" for k, v in sorted(result.errors.items())) or "0",
                f"≥ {TARGET_RPS} listens/s, p99 ≤ {TARGET_P99_MS} ms", "yes" if met else "no")
        if result.error_sample:
            out.notes.append(f"{clients} clients: {result.error_sample}")
    return out, before


def _batch_requests(tracks, tokens, *, size: int, needed: int, before: str) -> list[RequestSpec]:
    """`needed` batches of `size` listens, each batch one listener's consecutive slots (none overlaps another)."""
    start = min(datetime.datetime.now(datetime.UTC), datetime.datetime.fromisoformat(before))
    start -= datetime.timedelta(seconds=LISTEN_SLOT_S)
    requests = []
    for round_ in range(math.ceil(needed / len(tokens))):
        for token in tokens:
            first_slot = round_ * size
            listens = [json.loads(listen_body(tracks[(len(requests) + k) % len(tracks)],
                                              start - datetime.timedelta(seconds=(first_slot + k) * LISTEN_SLOT_S)))
                       for k in range(size)]
            requests.append(RequestSpec(BATCH_PATH, method="POST", body=json.dumps({"listens": listens}),
                                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}))
    return requests


def _batch_rows(stack, tokens, before, *, smoke: bool, duration_s: float) -> tuple[Section, str]:
    tracks = stack.seed["sample"]["track_ids"]
    out = Section("Listens through the batch API",
                  ["listens a request", "clients", "requests/s", "listens/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                   "target", "met"],
                  intro=(f"`POST {BATCH_PATH}` (`analytics.services.listens_record`: one lock, one overlap query, one "
                         "insert and one push to the analytics buffer per request), each request one listener's "
                         "consecutive 2 s slots, as an app flushes its offline queue or a scrobbler its backlog; "
                         "latencies are per request."))
    for size in BATCH_SIZES:
        for clients in SMOKE_CONCURRENCY if smoke else CONCURRENCY:
            needed = SMOKE_BATCHES if smoke else math.ceil(BATCH_RPS_CEILING * (duration_s + WARMUP_S))
            requests = _batch_requests(tracks, tokens, size=size, needed=needed, before=before)
            if smoke:
                result = run_load(stack.base_url, requests, concurrency=clients, once=True)
            else:
                result = run_load(stack.base_url, requests, concurrency=clients, duration_s=duration_s, warmup_s=WARMUP_S)
            before = _earliest(requests)
            listens_s = result.rps * size
            met = result.error_count == 0 and listens_s >= TARGET_RPS and result.p99_ms <= TARGET_P99_MS
            out.add(size, clients, result.rps, listens_s, result.p50_ms, result.p95_ms, result.p99_ms,
                    ", ".join(f"{k}: {v}" for k, v in sorted(result.errors.items())) or "0",
                    f"≥ {TARGET_RPS} listens/s, p99 ≤ {TARGET_P99_MS} ms", "yes" if met else "no")
            if result.error_sample:
                out.notes.append(f"{size} a request, {clients} clients: {result.error_sample}")
    return out, before


def _earliest(requests: list[RequestSpec]) -> str:
    """The earliest `played_at` of the listens posted (the next row goes before it, so nothing overlaps)."""
    bodies = [json.loads(r.body) for r in requests]
    played = [listen["played_at"] for body in bodies for listen in body.get("listens", [body])]
    earliest = min(datetime.datetime.fromisoformat(p) for p in played)
    return (earliest - datetime.timedelta(seconds=LISTEN_MARKER["play_duration_ms"] / 1000)).isoformat()


def _plays(stack, admin: str, track_id: int, days_back: int) -> int:
    today = datetime.date.today()
    query = urllib.parse.urlencode({"from": (today - datetime.timedelta(days=days_back)).isoformat(),
                                    "to": (today + datetime.timedelta(days=1)).isoformat()})
    report = fetch_json(stack.base_url, RequestSpec(f"/api/v1/analytics/track/{track_id}?{query}",
                                                    headers={"Authorization": f"Bearer {admin}"}))
    return int(report["plays"])


def _visible(stack, tokens, before, *, smoke: bool) -> tuple[Section, str]:
    admin = stack.token(ADMIN, stack.seed["bench_user"]["password"])
    track_id = stack.seed["sample"]["track_ids"][-1]  # the least popular sample track: few seeded plays
    burst = listen_row([track_id], tokens, needed=SMOKE_BURST if smoke else BURST, before=before)
    earliest = datetime.datetime.fromisoformat(_earliest(burst.requests))
    days = max(2, (datetime.datetime.now(datetime.UTC) - earliest).days + 2)  # the period covers the whole burst
    poll = iter(range(days, days + 366 - 2))
    start_count = _plays(stack, admin, track_id, next(poll))
    result = run_load(stack.base_url, burst.requests, concurrency=8, once=True)
    accepted = result.requests
    sent_at = time.perf_counter()
    seen, seconds, polls = start_count, None, 0
    while time.perf_counter() - sent_at < VISIBLE_TIMEOUT_S:
        seen = _plays(stack, admin, track_id, next(poll))
        polls += 1
        if seen >= start_count + accepted:
            seconds = time.perf_counter() - sent_at
            break
        time.sleep(0.05)
    out = Section("Listens visible in the reports", ["burst", "accepted", "plays before", "plays seen", "seconds until visible",
                                                     "polls", "target", "met"],
                  intro=(f"A burst of listens of track {track_id} (8 clients), then `/api/v1/analytics/track/{track_id}` "
                         f"as {ADMIN}, a new period per poll (so no answer comes from the report cache), until its "
                         "`plays` include the burst; seconds from the burst's last answer."))
    out.add(len(burst.requests), accepted, start_count, seen, seconds if seconds is not None else f"> {VISIBLE_TIMEOUT_S}",
            polls, f"≤ {TARGET_VISIBLE_S:g} s", "yes" if seconds is not None and seconds <= TARGET_VISIBLE_S else "no")
    if result.error_count:
        out.notes.append(f"burst errors: {result.errors} {result.error_sample}")
    return out, _earliest(burst.requests)


def _child(stack, mode: str, rows: int) -> dict:
    env = {**stack.env, "DJANGO_SETTINGS_MODULE": "jonquils.settings", "LOG_LEVEL": "WARNING"}
    spec = {"mode": mode, "rows": rows, "tracks": stack.seed["sample"]["track_ids"],
            "artists": stack.seed["sample"]["artist_ids"], "users": stack.seed.get("counts", {}).get("users", 1000)}
    done = subprocess.run([sys.executable, "-m", "bench.scenarios.listens"], input=json.dumps(spec), env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} child failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _drain(stack, *, smoke: bool) -> Section:
    rows = SMOKE_DRAIN_ROWS if smoke else DRAIN_ROWS
    raw = _child(stack, "raw", rows)
    alone = _child(stack, "drain-alone", rows)
    drained = _child(stack, "drain", rows)
    out = Section("Analytics drain next to chDB's raw bulk insert", ["path", "rows", "seconds", "rows/s", "ratio to raw",
                                                                      "target", "met"],
                  intro=(f"{rows:,} generated listen rows. raw: JSONEachRow inserts of {CHUNK:,} rows into the "
                         "track_analytics schema in a chDB of its own, the insert alone timed (not making or encoding "
                         "the rows). The drain alone, timed the same way: the rows are pushed first (untimed) into a "
                         "Redis database no owner reads, then `analytics.buffer.drain_until_empty` moves them into a "
                         "chDB of its own, the owner's code path (read a batch, insert it, acknowledge and delete it). "
                         "End to end: the rows made, pushed into the stack's buffer (1,000 a call) while its analytics "
                         "owner drains them, from the first push until track_analytics holds them all (the producers "
                         "share the two cores with the drain)."))
    raw_rps = rows / raw["seconds"]
    alone_rps = rows / alone["seconds"]
    drain_rps = rows / drained["seconds"]
    out.add("chDB raw bulk insert (floor)", rows, raw["seconds"], raw_rps, "1.00× (floor)", "–", "–")
    out.add("the drain alone: buffer → drain_until_empty → chDB", rows, alone["seconds"], alone_rps,
            ratio(alone_rps, raw_rps), f"≥ {TARGET_DRAIN_SHARE:.0%} of raw",
            "yes" if alone_rps >= TARGET_DRAIN_SHARE * raw_rps else "no")
    out.add("end to end: make, push, owner's drain → track_analytics", rows, drained["seconds"], drain_rps,
            ratio(drain_rps, raw_rps), "–", "–")
    out.notes.append(f"end to end, the producers spent {drained['push_seconds']:.1f} s pushing; "
                     f"batch size {drained['batch_size']:,}.")
    return out


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:
    measured = count_queries(stack, [], listener_tokens=LISTENERS, listen_marker=LISTEN_MARKER)
    tokens, before = measured["tokens"], measured["earliest_bench_listen"]
    if not tokens:
        raise RuntimeError("the seed has no listener to post listens as")
    sustained, before = _load_rows(stack, tokens, before, smoke=smoke, duration_s=duration_s)
    batched, before = _batch_rows(stack, tokens, before, smoke=smoke, duration_s=duration_s)
    visible, _ = _visible(stack, tokens, before, smoke=smoke)
    return [sustained, batched, visible, _drain(stack, smoke=smoke)]


# --- the child processes ------------------------------------------------------------------------

def generate(n: int, *, tracks: list[int], artists: list[int], users: int, seed: int = 1):
    """Chunks of `CHUNK` listen rows (play, then complete/skip by the listen rule) in the past 90 days."""
    from analytics.events import listen_actions

    rnd = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    start_ms, span_ms = int((now - datetime.timedelta(days=90)).timestamp() * 1000), 89 * 86_400_000
    chunk, produced = [], 0
    while produced < n:
        index = int(rnd.paretovariate(1.2)) % len(tracks)
        completion = rnd.random() * 100
        played = int(completion * 2000)
        stamp = datetime.datetime.fromtimestamp((start_ms + rnd.randrange(span_ms)) / 1000, tz=datetime.UTC)
        platform, device = PLATFORMS[rnd.randrange(len(PLATFORMS))]
        user = rnd.randrange(1, users + 1)
        for action in listen_actions(completion_percentage=completion, play_duration_ms=played)[:n - produced]:
            chunk.append({"timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                          "event_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)), "track_id": tracks[index],
                          "artist_id": artists[index % len(artists)], "user_id": user, "action": action,
                          "duration_played_ms": played, "platform": platform, "device_type": device, "country": ""})
            produced += 1
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _raw_insert(spec: dict) -> dict:
    from analytics.clickhouse import ChdbBackend, ClickHouseClient
    from analytics.clickhouse.migrations import migrate

    with tempfile.TemporaryDirectory(prefix="jq-bench-chdb-") as path:
        backend = ChdbBackend(Path(path))
        migrate(ClickHouseClient(backend))
        seconds = 0.0
        for chunk in generate(spec["rows"], tracks=spec["tracks"], artists=spec["artists"], users=spec["users"]):
            statement = "INSERT INTO track_analytics FORMAT JSONEachRow\n" + "\n".join(
                json.dumps(row, separators=(",", ":")) for row in chunk)
            began = time.perf_counter()
            backend.command(statement)
            seconds += time.perf_counter() - began
        backend.close()
    return {"seconds": seconds}


SCRATCH_BUFFER_DB = 15  # a Redis database of the stack's server that no analytics owner drains


def _push_all(buffer, spec: dict, **generated) -> float:
    """Push the spec's generated rows into the buffer, 1,000 a call; return the seconds spent pushing."""
    pushing = 0.0
    for chunk in generate(spec["rows"], tracks=spec["tracks"], artists=spec["artists"], users=spec["users"], **generated):
        for i in range(0, len(chunk), 1000):
            part = chunk[i:i + 1000]
            began = time.perf_counter()
            if buffer.push_many([("track_analytics", row) for row in part]) != len(part):
                raise RuntimeError("the buffer dropped events (ANALYTICS_BUFFER_MAX_EVENTS)")
            pushing += time.perf_counter() - began
    return pushing


def _drain_alone(spec: dict) -> dict:
    from django.conf import settings

    from analytics import buffer
    from analytics.clickhouse import ChdbBackend, ClickHouseClient
    from analytics.clickhouse.migrations import migrate
    from jonquils.embedded.paths import redis_db_url

    settings.ANALYTICS_BUFFER_URL = redis_db_url(settings.ANALYTICS_BUFFER_URL, SCRATCH_BUFFER_DB)
    buffer.reset_connection()
    scratch = buffer.get_redis()
    scratch.delete(buffer.STREAM)
    try:
        buffer.ensure_group()
        _push_all(buffer, spec)
        with tempfile.TemporaryDirectory(prefix="jq-bench-chdb-") as path:
            backend = ChdbBackend(Path(path))
            client = ClickHouseClient(backend)
            migrate(client)
            began = time.perf_counter()
            inserted = buffer.drain_until_empty(client, consumer="bench-drain-alone", timeout_s=600)
            seconds = time.perf_counter() - began
            held = int(client.scalar("SELECT count() FROM track_analytics"))
            backend.close()
        if inserted != spec["rows"] or held != spec["rows"]:
            raise RuntimeError(f"the drain delivered {inserted} rows ({held} in chDB), not {spec['rows']}")
    finally:
        scratch.delete(buffer.STREAM)
    return {"seconds": seconds, "batch_size": settings.ANALYTICS_BATCH_SIZE}


def _through_drain(spec: dict) -> dict:
    from django.conf import settings

    from analytics import buffer
    from analytics.clickhouse import get_client

    client = get_client()
    start = int(client.scalar("SELECT count() FROM track_analytics"))
    target = start + spec["rows"]
    began = time.perf_counter()
    push_s = _push_all(buffer, spec, seed=int(time.time()))
    deadline = time.monotonic() + 600
    while int(client.scalar("SELECT count() FROM track_analytics")) < target:
        if time.monotonic() > deadline:
            raise RuntimeError("the drain did not deliver the rows within 600 s")
        time.sleep(0.05)
    return {"seconds": time.perf_counter() - began, "push_seconds": push_s, "batch_size": settings.ANALYTICS_BATCH_SIZE}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    request = json.loads(sys.stdin.read())
    modes = {"raw": _raw_insert, "drain-alone": _drain_alone, "drain": _through_drain}
    print(json.dumps(modes[request["mode"]](request)))
