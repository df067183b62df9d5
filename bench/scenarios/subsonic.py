"""The Subsonic API (/rest/) the way a phone app uses it: album lists, the library sync, the index.

Every request authenticates as the bench user with token auth (`u`, `t = md5(password + s)`,
`s`, a fresh salt per request list) and asks for JSON (`f=json`). A Subsonic error answers
HTTP 200 with `"status": "failed"`, so each request shape is checked once for `"ok"` before it
is loaded.

The library sync is what apps such as Symfonium do on first start: `search3` with an empty
query, songs only, 500 at a time (`songOffset = k·500`) until a page comes back short. It runs
once, by one client, over exactly the pages the seed's track count needs plus the short page that
ends it; the row gives its wall time and songs per second. A mid-library page is then loaded
like the other rows (steady requests/s).
"""
from __future__ import annotations

import hashlib
import math
import secrets
from urllib.parse import urlencode

from ..load import RequestSpec, run_load
from ..queries import QueryProbe, count_queries
from ..report import Section
from .common import COLUMNS, Endpoint, fetch_json, load_words, measure_table

PAGE = 500
CLIENT = "jonquils-bench"
API_VERSION = "1.16.1"


def _auth(stack) -> dict[str, str]:
    user = stack.seed["bench_user"]
    salt = secrets.token_hex(8)
    token = hashlib.md5((user["subsonic_password"] + salt).encode()).hexdigest()  # noqa: S324 - Subsonic's own scheme
    return {"u": user["username"], "t": token, "s": salt, "v": API_VERSION, "c": CLIENT, "f": "json"}


def _path(stack, method: str, **params) -> str:
    return f"/rest/{method}?{urlencode({**_auth(stack), **params})}"


def _sync_page(stack, offset: int) -> str:
    return _path(stack, "search3", query="", songCount=PAGE, songOffset=offset, albumCount=0, artistCount=0)


def _answer(stack, path: str) -> dict:
    body = fetch_json(stack.base_url, RequestSpec(path))["subsonic-response"]
    if body.get("status") != "ok":
        raise RuntimeError(f"Subsonic {path.split('?')[0]} failed: {body.get('error')}")
    return body


def _songs(stack, offset: int) -> int:
    return len(_answer(stack, _sync_page(stack, offset)).get("searchResult3", {}).get("song", []))


def _sync(stack) -> tuple[list[object], list[str]]:
    """Run the library sync once; return its row cells (without queries) and notes."""
    tracks = stack.seed["counts"]["tracks"]
    pages = math.floor(tracks / PAGE) + 1  # the last one is the short page that tells the app it is done
    result = run_load(stack.base_url, [RequestSpec(_sync_page(stack, k * PAGE)) for k in range(pages)],
                      concurrency=1, once=True)
    synced = (pages - 1) * PAGE + _songs(stack, (pages - 1) * PAGE)
    notes = [f"library sync: {pages:,} search3 pages of {PAGE} by one client, {synced:,} songs "
             f"in {result.seconds:.2f} s ({synced / result.seconds:,.0f} songs/s, "
             f"{result.mb_per_s:.2f} MB/s, p95 {result.p95_ms:.1f} ms a page)."]
    if synced != tracks:
        notes.append(f"library sync: the seed counts {tracks:,} tracks but the sync saw {synced:,} "
                     "(tracks the bench user may not see are left out).")
    name = f"library sync once: {synced:,} songs, {result.seconds:.2f} s, {synced / result.seconds:,.0f} songs/s"
    return [name, result.rps, "–", result.p50_ms, result.p95_ms, result.p99_ms,
            ", ".join(f"{k}: {v}" for k, v in result.errors.items()) or "0"], notes


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:
    tracks = stack.seed["counts"]["tracks"]
    middle = (tracks // 2) // PAGE * PAGE
    rows = [
        Endpoint("floor: JSON 404 under /api/v1/", [RequestSpec("/api/v1/bench-floor", expect=(404,))],
                 is_floor=True, query_key="floor"),
        Endpoint("reference: ping", [RequestSpec(_path(stack, "ping"))], query_key="ping"),
        Endpoint("getAlbumList2 newest, 500", [RequestSpec(_path(stack, "getAlbumList2", type="newest", size=PAGE))],
                 query_key="albumlist"),
        Endpoint(f"search3 sync page at offset {middle:,}", [RequestSpec(_sync_page(stack, middle))], query_key="syncpage"),
        Endpoint("getIndexes", [RequestSpec(_path(stack, "getIndexes"))], query_key="indexes"),
    ]
    for row in rows[1:]:
        _answer(stack, row.requests[0].path)
    probes = [QueryProbe(row.query_key, row.requests[0].path) for row in rows]
    queries = count_queries(stack, probes)["queries"]
    section = Section(
        "Subsonic API", COLUMNS,
        intro=(f"Token auth as the bench user, f=json; {rows[0].concurrency} keep-alive clients, {load_words(duration_s, smoke)}; "
               "the library sync: one client, once. The floor is the API's JSON 404 on the same server; "
               "`ping` is the cheapest authenticated Subsonic method. No target in issue 17 beyond the sync's total time."))
    measure_table(stack, section, rows, queries, smoke=smoke, duration_s=duration_s)
    cells, notes = _sync(stack)
    section.add(*cells[:7], "–", "–", "–")
    section.notes.extend(notes)
    return [section]
