"""The REST API under concurrent load, next to a JSON 404 through the same server and middleware.

Rows: the floor (`/api/v1/` 404, what issue 17 measured with wrk, and `/health/live`), track
detail over the seed's sample ids, the track list (a filter, ordered by popularity) at page 1
and page 5,000, artist and album detail, the week's chart (pages 1-5), the big playlist (detail and its entries), search and
suggest for each kind of term the seed chose, and `POST /api/v1/analytics/listen` spread over
the sample tracks. Every request carries the bench user's JWT.

The track list pages by cursor (`jonquils.api.pagination.KeysetPagination`, 20 a page): the deep
row loads page 5,000 through the `next` link of page 4,999, as a scrolling client does, and a
second row shows the `?page=5000` jump, which still OFFSETs 99,980 rows. When the filter matches
fewer than 100,000 tracks (small catalogs), the deepest page that exists is loaded instead and
the table says which. A playlist's entries come in pages of at most 100
(`/playlists/{id}/tracks?page_size=100`): the rows load its first and its last page.
"""
from __future__ import annotations

import datetime
import json
import math
from urllib.parse import quote, urlsplit

from ..load import RequestSpec
from ..queries import QueryProbe, count_queries
from ..report import Section
from .common import COLUMNS, SMOKE_REQUESTS, WARMUP_S, Endpoint, Target, fetch_json, load_words, measure_table

# The track list's filter, most popular first: the first of these that leaves page 5,000 in reach
# (else the one matching most); both keep the tracks whose audio features are known.
LIST_FILTERS = ("energy_min=0", "tempo_min=0")
LIST_ORDER = "ordering=-popularity"
LIST_PAGE_SIZE = 20
DEEP_PAGE = 5000
PLAYLIST_PAGE_SIZE = 100
SEARCH_KINDS = ("rare", "common", "typo", "prefix")
DETAIL = Target(floor_share=0.5)
LIST = Target(floor_share=0.25)
SEARCH = Target(p95_ms=25)
SUGGEST = Target(p95_ms=15)
LISTEN = Target(min_rps=500, p99_ms=200)
LISTEN_PATH = "/api/v1/analytics/listen"
LISTEN_SPAN_MS = 1500  # settings.LISTEN_MIN_SPAN_MS: the shortest listen that counts
LISTEN_DEVICE = "speaker"
# Together, the bench's listens are recognisable: the next run places its own before them.
LISTEN_MARKER = {"play_duration_ms": LISTEN_SPAN_MS, "device_type": LISTEN_DEVICE}
LISTEN_SLOT_S = 2.0
LISTENERS = 500
LISTEN_RPS_CEILING = 2000  # more listens than the stack could take in the window, so no (listener, slot) repeats


def _get(path: str, token: str) -> RequestSpec:
    return RequestSpec(path, headers={"Authorization": f"Bearer {token}"})


def listen_body(track_id: int, ended: datetime.datetime) -> str:
    return json.dumps({"track_id": track_id, "play_duration_ms": LISTEN_SPAN_MS, "completion_percentage": 100.0,
                       "platform": "web", "device_type": LISTEN_DEVICE, "played_at": ended.isoformat()})


def _list_filter(base_url: str, token: str) -> tuple[str, int]:
    """(query string, matching tracks) of the list rows: the first filter deep enough, else the widest."""
    counted = []
    for candidate in LIST_FILTERS:
        query = f"{candidate}&{LIST_ORDER}"
        matching = fetch_json(base_url, _get(f"/api/v1/tracks?{query}&page_size=1", token))["count"]
        if matching >= DEEP_PAGE * LIST_PAGE_SIZE:
            return query, matching
        counted.append((matching, query))
    matching, query = max(counted)
    return query, matching


def _next_link(base_url: str, path: str, token: str) -> str:
    """The path and query of a list page's `next` link (the cursor of the page after it)."""
    following = fetch_json(base_url, _get(path, token))["next"]
    parts = urlsplit(following)
    return f"{parts.path}?{parts.query}"


def endpoints(stack) -> tuple[list[Endpoint], list[QueryProbe]]:
    """The rows of the API table and the query probes that go with them (one per row)."""
    token = stack.token()
    sample = stack.seed["sample"]
    tracks, artists, albums = sample["track_ids"], sample["artist_ids"], sample["album_ids"]
    terms = sample["search_terms"]
    playlist = stack.seed["big_playlist_ids"][0]
    auth = {"Authorization": f"Bearer {token}"}

    list_filter, matching = _list_filter(stack.base_url, token)
    first_page = f"/api/v1/tracks?{list_filter}&page=1"
    deep = min(DEEP_PAGE, max(1, math.ceil(matching / LIST_PAGE_SIZE)))
    deep_cursor = _next_link(stack.base_url, f"/api/v1/tracks?{list_filter}&page={max(1, deep - 1)}", token) \
        if deep > 1 else first_page
    entries = fetch_json(stack.base_url, _get(f"/api/v1/playlists/{playlist}/tracks?page_size={PLAYLIST_PAGE_SIZE}", token))
    last_entries_page = max(1, math.ceil(entries["count"] / PLAYLIST_PAGE_SIZE))

    rows = [
        Endpoint("floor: JSON 404 under /api/v1/", [RequestSpec("/api/v1/bench-floor", headers=auth, expect=(404,))],
                 is_floor=True, query_key="floor"),
        Endpoint("reference: /health/live (same middleware, not request-logged)", [RequestSpec("/health/live")],
                 query_key="live"),
        Endpoint("track detail", [_get(f"/api/v1/tracks/{t}", token) for t in tracks], DETAIL, "track"),
        Endpoint("track list, page 1", [_get(first_page, token)], LIST, "list1"),
        Endpoint(f"track list, deep page {deep:,} (its `next` cursor)", [_get(deep_cursor, token)], LIST, "listdeep",
                 notes=[f"track list: the filter `{list_filter}` matches {matching:,} tracks"
                        + ("." if deep == DEEP_PAGE else f" here, so the deepest page is {deep:,} "
                           f"(page {DEEP_PAGE:,} needs ≥ {DEEP_PAGE * LIST_PAGE_SIZE:,}).")
                        + f" The deep row loads the `next` link of page {deep - 1:,}, as a client scrolling"
                          " the list does (a cursor: `WHERE (popularity, id) < last`, no OFFSET)."]),
        Endpoint(f"track list, jump to ?page={deep:,} (OFFSET)", [_get(f"/api/v1/tracks?{list_filter}&page={deep}", token)],
                 None, "listjump"),
        Endpoint("artist detail", [_get(f"/api/v1/artists/{a}", token) for a in artists], DETAIL, "artist"),
        Endpoint("album detail", [_get(f"/api/v1/albums/{a}", token) for a in albums], DETAIL, "album"),
        Endpoint("popular this week, pages 1-5 (`?period=week`: listens in the window)",
                 [_get(f"/api/v1/tracks/popular?period=week&page={page}", token) for page in range(1, 6)], LIST, "chart-week",
                 notes=["popular this week: the chart is ranked from the window's listens once a minute "
                        "(catalog.charts); the one query it replaced took 42 s at 1M tracks, past the 30 s "
                        "statement timeout."]),
        Endpoint(f"playlist detail ({entries['count']:,} entries)", [_get(f"/api/v1/playlists/{playlist}", token)],
                 DETAIL, "playlist"),
        Endpoint(f"playlist entries, page 1 of {last_entries_page} ({PLAYLIST_PAGE_SIZE} a page)",
                 [_get(f"/api/v1/playlists/{playlist}/tracks?page_size={PLAYLIST_PAGE_SIZE}", token)], LIST, "entries1"),
        Endpoint(f"playlist entries, last page ({last_entries_page})",
                 [_get(f"/api/v1/playlists/{playlist}/tracks?page_size={PLAYLIST_PAGE_SIZE}&page={last_entries_page}", token)],
                 LIST, "entrieslast"),
    ]
    rows += [Endpoint(f"search tracks, {kind} term “{terms[kind]}”", [_get(f"/api/v1/search/tracks?q={quote(terms[kind])}", token)],
                      SEARCH, f"search-{kind}") for kind in SEARCH_KINDS]
    rows += [Endpoint(f"suggest, {kind} term “{terms[kind]}”", [_get(f"/api/v1/search/suggest?q={quote(terms[kind])}", token)],
                      SUGGEST, f"suggest-{kind}") for kind in SEARCH_KINDS]
    probes = [QueryProbe(row.query_key, row.requests[0].path, row.requests[0].method, row.requests[0].body,
                         auth=None if row.query_key == "live" else "jwt") for row in rows]
    day_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)
    probes.append(QueryProbe("listen", LISTEN_PATH, "POST", listen_body(tracks[0], day_ago), auth="jwt",
                             repeat_body=listen_body(tracks[1 % len(tracks)], day_ago - datetime.timedelta(seconds=10))))
    return rows, probes


def listen_row(tracks: list[int], tokens: list[str], *, needed: int, before: str | None) -> Endpoint:
    """`needed` listens, each a different (listener, time slot) so that none overlaps another.

    One account cannot listen faster than time passes (`listen_record` refuses overlapping
    listens), so the load spreads over the bench listener accounts' JWTs (`bench.queries._bench_listeners`): slot j of every
    listener ends at T − j·2 s and lasts 1.5 s (the shortest span counted), where T is 2 s before
    now or before `before` (the earliest listen an earlier run posted), and the tracks rotate
    over the sample.
    """
    if not tokens:
        raise RuntimeError("the seed has no listener to post listens as")
    slots = math.ceil(needed / len(tokens))
    start = datetime.datetime.now(datetime.UTC)
    if before:
        start = min(start, datetime.datetime.fromisoformat(before))
    start -= datetime.timedelta(seconds=LISTEN_SLOT_S)
    requests = []
    for slot in range(slots):
        ended = start - datetime.timedelta(seconds=slot * LISTEN_SLOT_S)
        for token in tokens:
            requests.append(RequestSpec(LISTEN_PATH, method="POST", body=listen_body(tracks[len(requests) % len(tracks)], ended),
                                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}))
    return Endpoint(f"POST {LISTEN_PATH} ({len(tokens):,} listeners, {len(tracks)} tracks)", requests, LISTEN, "listen")


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:
    rows, probes = endpoints(stack)
    measured = count_queries(stack, probes, listener_tokens=LISTENERS, listen_marker=LISTEN_MARKER)
    needed = SMOKE_REQUESTS if smoke else math.ceil(LISTEN_RPS_CEILING * (duration_s + WARMUP_S))
    rows.append(listen_row(stack.seed["sample"]["track_ids"], measured["tokens"], needed=needed,
                           before=measured["earliest_bench_listen"]))
    section = Section(
        "API under concurrent load", COLUMNS,
        intro=(f"{rows[0].concurrency} keep-alive clients from a separate process, {load_words(duration_s, smoke)}, "
               "the bench user's JWT on every request (the listens: the bench's own listener accounts' JWTs, see below). "
               "The floor is measured in the same run right before the endpoints. "
               "SQL queries are counted in a separate Django process on the same database (first request / repeated "
               "request, the steady state the load sees)."),
        notes=["track list: 20 a page; the deep row follows a `next` cursor (no OFFSET), the jump row is `?page=N`, OFFSET 20·(N−1).",
               "listens: one account cannot listen faster than time passes (overlapping listens are refused), so each "
               "request is a different (listener, 2 s slot in the recent past, before any earlier run's) pair over up to "
               f"{LISTENERS} bench listener accounts (no seeded history, so only the bench's own listens could overlap), 1.5 s each, tracks rotating over the sample."])
    measure_table(stack, section, rows, measured["queries"], smoke=smoke, duration_s=duration_s)
    return [section]
