"""Dead letters: buffered events ClickHouse refused one by one, kept aside for staff.

The drainer moves an event here only after its batch was refused ANALYTICS_POISON_AFTER_ATTEMPTS
times and the event, inserted alone, was still refused (buffer.drain_batch). Such an event is
not in ClickHouse (a refused single-row insert writes nothing), so replaying it — putting it
back in the buffer as a fresh entry, in the same Redis transaction that removes it from here —
keeps the exactly-once contract. `manage.py analytics_dead_letters` lists, replays and purges.

Each entry of the `analytics:dead` stream: t (table), r (the JSON row as buffered), error (what
ClickHouse said), entry (its id in the buffer), failed_at (UTC). The stream holds at most
ANALYTICS_DEAD_LETTER_MAX_EVENTS entries; beyond that, events are counted as dropped per table
in `analytics:dropped`, like a full buffer.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from .buffer import DEAD, DROPPED, STREAM, get_redis
from .clickhouse.schema import TABLES


@dataclass(frozen=True)
class DeadLetter:
    id: str
    table: str
    payload: str
    error: str
    entry: str
    failed_at: str

    @property
    def replayable(self) -> bool:
        return self.table in TABLES and bool(self.payload)


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def add_to_pipeline(r: redis.Redis, pipe, dead: list[tuple]) -> None:
    """Queue the dead letters of one drained batch on `pipe` (the transaction that acknowledges it)."""
    if not dead:
        return
    room = settings.ANALYTICS_DEAD_LETTER_MAX_EVENTS - int(r.xlen(DEAD))
    failed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for entry_id, table, payload, error in dead:
        if isinstance(table, dict):  # an entry push() did not write: keep whatever it held
            fields = table
            table = _text(fields.get(b"t", b""))
            payload = fields.get(b"r") or json.dumps({_text(k): _text(v) for k, v in fields.items()})
        if room <= 0:
            pipe.hincrby(DROPPED, table or "unknown", 1)
            continue
        room -= 1
        pipe.xadd(DEAD, {"t": table, "r": payload, "error": error, "entry": entry_id, "failed_at": failed_at})


def _letter(entry_id, fields: dict) -> DeadLetter:
    get = lambda name: _text(fields.get(name.encode(), b""))  # noqa: E731 - a local shorthand
    return DeadLetter(id=_text(entry_id), table=get("t"), payload=get("r"), error=get("error"), entry=get("entry"),
                      failed_at=get("failed_at"))


def dead_letter_count() -> int:
    return int(get_redis().xlen(DEAD))


def dead_letter_list(*, limit: int = 20, table: str | None = None) -> list[DeadLetter]:
    """The oldest dead letters first (of one table if given)."""
    letters: list[DeadLetter] = []
    start = "-"
    while len(letters) < limit:
        chunk = get_redis().xrange(DEAD, min=start, count=500)
        if not chunk:
            break
        for entry_id, fields in chunk:
            letter = _letter(entry_id, fields)
            if table is None or letter.table == table:
                letters.append(letter)
        start = "(" + _text(chunk[-1][0])
    return letters[:limit]


def _select(ids: list[str] | None) -> list[tuple]:
    r = get_redis()
    if ids is None:
        return r.xrange(DEAD)
    found = []
    for entry_id in ids:
        found += r.xrange(DEAD, min=entry_id, max=entry_id)
    return found


def dead_letter_replay(*, ids: list[str] | None = None) -> dict:
    """Put dead letters (all when `ids` is None) back in the buffer; return counts.

    Each one moves in one Redis transaction (XADD to the buffer + XDEL here), so a letter is
    either still here or in the buffer, never both. Stops at the buffer's cap.
    """
    r = get_redis()
    replayed, kept = 0, []
    selected = _select(ids)
    missing = sorted(set(ids) - {_text(e) for e, _ in selected}) if ids else []
    for entry_id, fields in selected:
        letter = _letter(entry_id, fields)
        if not letter.replayable:
            kept.append(letter.id)
            continue
        if r.xlen(STREAM) >= settings.ANALYTICS_BUFFER_MAX_EVENTS:
            kept.append(letter.id)
            continue
        pipe = r.pipeline(transaction=True)
        pipe.xadd(STREAM, {"t": letter.table, "r": letter.payload})
        pipe.xdel(DEAD, entry_id)
        pipe.execute()
        replayed += 1
    return {"replayed": replayed, "not_replayed": kept, "missing": missing}


def dead_letter_purge(*, ids: list[str] | None = None) -> int:
    """Delete dead letters (all when `ids` is None); return how many were deleted."""
    r = get_redis()
    chosen = [entry_id for entry_id, _ in _select(ids)]
    return int(r.xdel(DEAD, *chosen)) if chosen else 0
