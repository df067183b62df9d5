"""The durable event buffer: a bounded Redis stream between the producers and ClickHouse.

Producers (request middleware, signal receivers, events.record_*) append one entry per
event: a Redis round trip, never a wait on ClickHouse. The drainer (the analytics owner)
reads batches with a consumer group, inserts them, then acknowledges and deletes them.

Delivery contract — exactly once, by event id:
- an entry stays pending in the group until its batch was inserted; a crash or a failed
  insert leaves it pending and the next pass reads it again;
- a batch read again (pending, or claimed from a dead consumer) is first compared with
  ClickHouse by event id, and only the missing events are inserted; duplicates inside a
  batch are dropped. Fresh batches skip that check (it costs ~5x the insert, measured in
  the former bench/analytics.py); ANALYTICS_DEDUP_EVERY_BATCH=true turns it on for every batch;
- a batch ClickHouse keeps refusing (ANALYTICS_POISON_AFTER_ATTEMPTS deliveries) is split and
  each part checked as above; an event refused alone becomes a dead letter (dead_letters.py),
  moved in the transaction that acknowledges its batch: in ClickHouse zero times, replayable;
- a producer re-sending an event with a stable id (a listen's events are uuid5 of the
  listen) within SEEN_TTL_S is not appended again (a Redis SET NX per stable id).

Bound: when the stream holds ANALYTICS_BUFFER_MAX_EVENTS entries (ClickHouse down for
long), new events are dropped and counted per table in `analytics:dropped` (shown by the
health check) instead of growing Redis without limit. Listens stay in PostgreSQL
(listening_history is the source of truth) whatever happens here.
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import redis
from django.conf import settings

from .clickhouse.backends import ClickHouseError, ClickHouseUnavailable
from .clickhouse.schema import KEY_COLUMNS, TABLES

logger = logging.getLogger("analytics.buffer")

STREAM = "analytics:events"
GROUP = "clickhouse"
DROPPED = "analytics:dropped"
DEAD = "analytics:dead"  # events ClickHouse refused one by one (see dead_letters.py)
DRAIN_ERROR = "analytics:drain:last_error"
# A consumer's pending entries idle longer than this are taken over (the consumer died).
CLAIM_IDLE_MS = 60_000

# Stable event ids (derived from a database row, e.g. a listen) seen in this window are not
# appended again: a re-sent signal costs nothing. Random ids need no such memory.
SEEN_TTL_S = 3600

# KEYS[1] stream, KEYS[2] dropped hash; ARGV[1] cap, ARGV[2] seen TTL, then
# (table, payload, seen key or "") triples. Returns {appended, skipped as already seen}.
_PUSH_LUA = """
local cap = tonumber(ARGV[1])
local len = redis.call('XLEN', KEYS[1])
local added, seen = 0, 0
for i = 3, #ARGV, 3 do
  if len >= cap then
    redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
  elseif ARGV[i + 2] ~= '' and not redis.call('SET', ARGV[i + 2], '1', 'NX', 'EX', ARGV[2]) then
    seen = seen + 1
  else
    redis.call('XADD', KEYS[1], '*', 't', ARGV[i], 'r', ARGV[i + 1])
    len = len + 1
    added = added + 1
  end
end
return {added, seen}
"""

_redis_client: redis.Redis | None = None
_push_script = None


def _stream_entries(response, **_options) -> list[tuple[bytes, list]]:
    """XREADGROUP's reply as [(entry id, [field, value, ...])] of the one stream read.

    redis-py would build a dict per entry (`pairs_to_dict`): a fifth of the drain's time for
    entries whose layout push_many fixes (`_table_and_row` reads it by position)."""
    if not response:
        return []
    # RESP3 answers {stream: entries}, RESP2 [[stream, entries]]
    entries = next(iter(response.values())) if isinstance(response, dict) else response[0][1]
    return [(entry[0], entry[1] or []) for entry in entries]


def get_redis() -> redis.Redis:
    global _redis_client, _push_script
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(settings.ANALYTICS_BUFFER_URL, socket_timeout=2, socket_connect_timeout=2)
        _redis_client.set_response_callback("XREADGROUP", _stream_entries)
        _push_script = _redis_client.register_script(_PUSH_LUA)
    return _redis_client


def reset_connection() -> None:
    """Forget the connection (after fork, or when settings changed in tests)."""
    global _redis_client, _push_script
    _redis_client = None
    _push_script = None


def push_many(events: list[tuple]) -> int:
    """Append (table, row) or (table, row, stable) events; return how many were appended.

    `stable=True` marks an event id derived from a database row: if the same id was pushed
    within SEEN_TTL_S it is skipped. Events over the cap are counted in `analytics:dropped`.
    """
    if not events:
        return 0
    args: list = [settings.ANALYTICS_BUFFER_MAX_EVENTS, SEEN_TTL_S]
    for table, row, *stable in events:
        if table not in TABLES:
            raise ValueError(f"unknown analytics table {table!r}")
        seen_key = f"analytics:seen:{row['event_id']}" if stable and stable[0] else ""
        args += [table, json.dumps(row, separators=(",", ":"), ensure_ascii=False), seen_key]
    get_redis()
    added, _seen = _push_script(keys=[STREAM, DROPPED], args=args)
    return int(added)


def push(table: str, row: dict) -> bool:
    """Append one event; False when the buffer is full (the event is counted as dropped)."""
    return push_many([(table, row)]) == 1


def push_quietly(events: list[tuple]) -> None:
    """Append events; if Redis itself fails, log and carry on — a request never fails for analytics."""
    try:
        push_many(events)
    except redis.RedisError as exc:
        logger.warning("analytics buffer unavailable, %d event(s) not recorded: %s", len(events), exc)


def ensure_group(r: redis.Redis | None = None) -> None:
    r = r or get_redis()
    try:
        r.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


@dataclass
class DrainResult:
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    redelivered: bool = False


# Ids checked per query: keeps the statement far below ClickHouse's max_query_size (256 KiB).
CHECK_CHUNK = 1000


def _existing_event_ids(client, table: str, rows: list[dict]) -> set[str]:
    """Event ids of `rows` already in ClickHouse, looked up through the sorting key (cheap)."""
    keys = KEY_COLUMNS[table]
    found: set[str] = set()
    for start in range(0, len(rows), CHECK_CHUNK):
        chunk = rows[start:start + CHECK_CHUNK]
        found.update(r[0] for r in client.query(
            f"SELECT toString(event_id) FROM {table} WHERE ({', '.join(keys)}) IN %(keys)s AND event_id IN %(ids)s",
            {"keys": tuple(tuple(row[k] for k in keys) for row in chunk),
             "ids": tuple(row["event_id"] for row in chunk)},
        )[1])
    return found


def _unique(rows: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for row in rows:
        if row["event_id"] not in seen:
            seen.add(row["event_id"])
            out.append(row)
    return out


def _read(r: redis.Redis, consumer: str, count: int, block_ms: int) -> tuple[list, bool]:
    """Return (entries, redelivered): own pending first, then dead consumers', then new ones.

    Each entry is (id, [field, value, ...]) as `_stream_entries` gives it."""
    entries = r.xreadgroup(GROUP, consumer, {STREAM: "0"}, count=count)
    if entries:
        return entries, True
    claimed = r.xautoclaim(STREAM, GROUP, consumer, min_idle_time=CLAIM_IDLE_MS, start_id="0-0", count=count)
    if claimed and claimed[1]:
        return [(entry_id, [x for pair in fields.items() for x in pair]) for entry_id, fields in claimed[1] if fields], True
    return r.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms or None), False


_TABLE_NAMES = {table.encode(): table for table in TABLES}


def _table_and_row(fields: list) -> tuple[str | None, bytes | None]:
    """The table and the JSON row of an entry; (None, None) when push_many did not write it."""
    if len(fields) == 4 and fields[0] == b"t" and fields[2] == b"r":  # the layout push_many writes
        return _TABLE_NAMES.get(fields[1]), fields[3] or None
    as_dict = dict(zip(fields[::2], fields[1::2]))
    return _TABLE_NAMES.get(as_dict.get(b"t", b"")), as_dict.get(b"r") or None


@dataclass
class _Item:
    entry_id: bytes
    payload: bytes
    row: dict | None = None


# Months per insert when a refused batch is split: ClickHouse refuses an insert block that
# touches more than max_partitions_per_insert_block (100) partitions, and tables are monthly.
MONTHS_PER_INSERT = 50


def _attempts(r: redis.Redis, consumer: str, entries: list) -> int:
    """How many times the batch's entries were delivered (Redis counts every re-read)."""
    ids = [entry_id for entry_id, _ in entries]
    info = r.xpending_range(STREAM, GROUP, min=min(ids), max=max(ids), count=len(ids), consumername=consumer)
    return max((int(p["times_delivered"]) for p in info), default=1)


def _parse(table: str, items: list[_Item], dead: list) -> list[_Item]:
    """Parse the JSON rows; a row that is not an event of `table` is a dead letter at once."""
    keys = ("event_id", *KEY_COLUMNS[table])
    good = []
    for item in items:
        if item.row is None:
            try:
                row = json.loads(item.payload)
            except ValueError as exc:
                dead.append((item.entry_id, table, item.payload, f"not JSON: {exc}"))
                continue
            if not isinstance(row, dict) or not all(isinstance(row.get(k), (str, int, float)) for k in keys):
                dead.append((item.entry_id, table, item.payload, f"not a {table} row (needs {', '.join(keys)})"))
                continue
            item.row = row
        good.append(item)
    return good


def _insert(client, table: str, items: list[_Item], *, check: bool, result: DrainResult) -> None:
    if check:
        # Only after a failure (or when asked): drop what ClickHouse already holds.
        rows = _unique([item.row for item in items])
        known = _existing_event_ids(client, table, rows)
        fresh = [row for row in rows if row["event_id"] not in known]
        client.insert(table, fresh)
        result.duplicates += len(items) - len(fresh)
        result.inserted += len(fresh)
    else:
        # The common path: entries are already JSON rows; insert them as they are.
        client.insert_json(table, [item.payload for item in items])
        result.inserted += len(items)


def _split(items: list[_Item]) -> list[list[_Item]]:
    """Strictly smaller parts: months in groups of MONTHS_PER_INSERT, then one month each, then halves."""
    by_month: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_month[str(item.row.get("timestamp", ""))[:7]].append(item)
    months = sorted(by_month)
    if len(months) > MONTHS_PER_INSERT:
        return [[i for m in months[s:s + MONTHS_PER_INSERT] for i in by_month[m]]
                for s in range(0, len(months), MONTHS_PER_INSERT)]
    if len(months) > 1:
        return [by_month[m] for m in months]
    half = len(items) // 2
    return [items[:half], items[half:]]


def _deliver(client, table: str, items: list[_Item], *, check: bool, isolate: bool, result: DrainResult,
             dead: list) -> None:
    """Insert one table's events; with `isolate`, split what ClickHouse refuses down to single events.

    ClickHouse unreachable always raises (the batch stays pending). A refusal raises too unless
    `isolate` (the batch already failed ANALYTICS_POISON_AFTER_ATTEMPTS times): then the events
    are inserted in smaller parts, each checked against ClickHouse by event id first (a part of
    the batch may already be in), and a single event still refused becomes a dead letter.
    """
    if check or isolate:
        items = _parse(table, items, dead)
        check = True
    if not items:
        return
    try:
        _insert(client, table, items, check=check, result=result)
        return
    except ClickHouseUnavailable:
        raise
    except ClickHouseError as exc:
        if not isolate:
            raise
        if len(items) == 1:
            dead.append((items[0].entry_id, table, items[0].payload, str(exc)[:1000]))
            return
        logger.warning("ClickHouse refused %d %s events; inserting them in parts: %s", len(items), table,
                       str(exc)[:300])
    for part in _split(items):
        _deliver(client, table, part, check=True, isolate=True, result=result, dead=dead)


def drain_batch(client, *, consumer: str, count: int | None = None, block_ms: int = 0) -> DrainResult:
    """Move one batch from the stream into ClickHouse; raise (entries stay pending) on failure.

    A batch ClickHouse keeps refusing (ANALYTICS_POISON_AFTER_ATTEMPTS deliveries) is split and
    what it still refuses event by event goes to the dead-letter stream, acknowledged together
    with the rest: one poison event never stops the events behind it.
    """
    r = get_redis()
    entries, redelivered = _read(r, consumer, count or settings.ANALYTICS_BATCH_SIZE, block_ms)
    result = DrainResult(read=len(entries), redelivered=redelivered)
    if not entries:
        return result
    check = redelivered or settings.ANALYTICS_DEDUP_EVERY_BATCH
    isolate = redelivered and _attempts(r, consumer, entries) >= settings.ANALYTICS_POISON_AFTER_ATTEMPTS
    by_table: dict[str, list[_Item]] = defaultdict(list)
    dead: list[tuple] = []  # (entry id, table or fields, payload, reason)
    for entry_id, fields in entries:
        table, payload = _table_and_row(fields)
        if table is None or payload is None:  # written by something else than push(): park it
            dead.append((entry_id, dict(zip(fields[::2], fields[1::2])), None,
                         "not an analytics event (unknown table or no row)"))
        else:
            by_table[table].append(_Item(entry_id, payload))
    for table, items in by_table.items():
        _deliver(client, table, items, check=check, isolate=isolate, result=result, dead=dead)
    result.dead_lettered = len(dead)
    from .dead_letters import add_to_pipeline

    pipe = r.pipeline(transaction=True)
    add_to_pipeline(r, pipe, dead)
    ids = [entry_id for entry_id, _ in entries]
    pipe.xack(STREAM, GROUP, *ids)
    pipe.xdel(STREAM, *ids)
    pipe.execute()
    return result


def _oldest_age_s(r: redis.Redis) -> float:
    """Age of the oldest entry still in the stream (delivered entries are deleted), by Redis's clock."""
    first = r.xrange(STREAM, count=1)
    if not first:
        return 0.0
    seconds, micros = r.time()
    added_ms = int(first[0][0].split(b"-")[0])
    return max(0.0, round(seconds + micros / 1e6 - added_ms / 1000, 1))


def stats() -> dict:
    """Backlog, its age, dead letters and drop counters, for the health check and the tests."""
    r = get_redis()
    dropped = {k.decode(): int(v) for k, v in r.hgetall(DROPPED).items()}
    pending = 0
    try:
        pending = int(r.xpending(STREAM, GROUP)["pending"])
    except redis.ResponseError:
        pass
    last_error = r.get(DRAIN_ERROR)
    return {"backlog": int(r.xlen(STREAM)), "pending": pending, "oldest_age_s": _oldest_age_s(r),
            "dead_letters": int(r.xlen(DEAD)), "dropped": dropped, "cap": settings.ANALYTICS_BUFFER_MAX_EVENTS,
            "last_drain_error": json.loads(last_error) if last_error else None}


def note_drain_error(error: str | None) -> None:
    """Remember the drainer's last failure for the health check (None: it works again)."""
    r = get_redis()
    if error is None:
        r.delete(DRAIN_ERROR)
    else:
        r.set(DRAIN_ERROR, json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "error": error}),
              ex=86_400)


def drain_until_empty(client, *, consumer: str, timeout_s: float = 60.0) -> int:
    """Drain until the stream is empty; return events inserted. For flushes and shutdown.

    A refused batch is read again at once (ClickHouse unreachable still raises): after
    ANALYTICS_POISON_AFTER_ATTEMPTS reads it is split and its poison moved aside.
    """
    deadline = time.monotonic() + timeout_s
    total = 0
    while True:
        try:
            result = drain_batch(client, consumer=consumer)
        except ClickHouseUnavailable:
            raise
        except ClickHouseError:
            if time.monotonic() > deadline:
                raise
            continue
        total += result.inserted
        if result.read == 0 and get_redis().xlen(STREAM) == 0:
            return total
        if time.monotonic() > deadline:
            raise TimeoutError(f"the analytics buffer was not empty after {timeout_s} s")


def request_drain(*, timeout_s: float = 60.0) -> int:
    """Ask the analytics owner to deliver everything buffered now; return events inserted."""
    from .clickhouse import owner_socket_path
    from .clickhouse.backends import OwnerBackend

    answer = OwnerBackend(owner_socket_path(), timeout=timeout_s + 5).call("/drain", {"timeout_s": timeout_s})
    return int(answer["inserted"])
