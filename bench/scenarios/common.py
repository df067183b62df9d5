"""What the request scenarios (api, pages, subsonic) share: one load per endpoint, one table shape.

Every endpoint runs as its own closed-loop load (8 keep-alive clients, `duration_s`) right after
the floor of the same table, so each ratio compares two figures of the same run and server.
Before the load, each endpoint is requested once with urllib and its body checked by the
scenario (`check`), so a table never shows the speed of an error page.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from ..load import DEFAULT_EXPECT, LoadResult, RequestSpec, run_load
from ..report import Section, ratio

CONCURRENCY = 8
SMOKE_WARMUP_S = 0.2
WARMUP_S = 1.0
# A smoke row sends this many requests once (all of them counted) instead of a timed window,
# so a slow row on a busy machine still reports numbers.
SMOKE_REQUESTS = 16
COLUMNS = ["endpoint", "req/s", "ratio to floor", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL queries (first/repeat)",
           "target", "met"]


@dataclass
class Target:
    """A goal from issue 17: a share of the floor's requests/s, and/or a p95 or p99 ceiling, or a listens/s floor."""
    floor_share: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    min_rps: float | None = None

    def describe(self) -> str:
        parts = []
        if self.floor_share is not None:
            parts.append(f"≥ {self.floor_share:.0%} of floor")
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:,.0f} req/s")
        if self.p95_ms is not None:
            parts.append(f"p95 ≤ {self.p95_ms:g} ms")
        if self.p99_ms is not None:
            parts.append(f"p99 ≤ {self.p99_ms:g} ms")
        return ", ".join(parts) or "–"

    def met(self, result: LoadResult, floor_rps: float) -> bool:
        checks = [result.error_count == 0 and result.requests > 0]
        if self.floor_share is not None:
            checks.append(bool(floor_rps) and result.rps >= self.floor_share * floor_rps)
        if self.min_rps is not None:
            checks.append(result.rps >= self.min_rps)
        if self.p95_ms is not None:
            checks.append(result.p95_ms <= self.p95_ms)
        if self.p99_ms is not None:
            checks.append(result.p99_ms <= self.p99_ms)
        return all(checks)


@dataclass
class Endpoint:
    name: str
    requests: list[RequestSpec]
    target: Target | None = None
    query_key: str | None = None  # the key of its bench.queries probe
    is_floor: bool = False
    concurrency: int = CONCURRENCY
    notes: list[str] = field(default_factory=list)


def load_words(duration_s: float, smoke: bool) -> str:
    """How long each row was loaded, for a table's intro."""
    if smoke:
        return f"smoke: {SMOKE_REQUESTS} requests per row, sent once and all counted"
    return f"{duration_s:g} s per row after a {WARMUP_S:g} s warm-up"


def fetch(base_url: str, spec: RequestSpec) -> tuple[int, bytes]:
    """One request with urllib (status, body), to check what an endpoint answers before loading it."""
    request = urllib.request.Request(base_url + spec.path, method=spec.method, headers=spec.headers,
                                     data=spec.body.encode() if spec.body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fetch_json(base_url: str, spec: RequestSpec) -> dict:
    status, body = fetch(base_url, spec)
    if status not in DEFAULT_EXPECT:
        raise RuntimeError(f"{spec.method} {spec.path} answered {status}: {body[:300]!r}")
    return json.loads(body)


def load(stack, endpoint: Endpoint, *, smoke: bool, duration_s: float) -> LoadResult:
    if smoke:
        cycle = endpoint.requests * -(-SMOKE_REQUESTS // len(endpoint.requests))
        return run_load(stack.base_url, cycle[:SMOKE_REQUESTS], concurrency=endpoint.concurrency, once=True)
    return run_load(stack.base_url, endpoint.requests, concurrency=endpoint.concurrency, duration_s=duration_s,
                    warmup_s=SMOKE_WARMUP_S if smoke else WARMUP_S)


def queries_cell(queries: dict, key: str | None) -> str | None:
    if key is None or key not in queries:
        return None
    probe = queries[key]
    return f"{probe['first']}/{probe['repeat']}"


def measure_table(stack, section: Section, endpoints: list[Endpoint], queries: dict, *, smoke: bool,
                  duration_s: float) -> dict[str, LoadResult]:
    """Load every endpoint in order (floors first) and add one row each to `section`; return the results by name."""
    results: dict[str, LoadResult] = {}
    floor_rps = 0.0
    for endpoint in endpoints:
        result = load(stack, endpoint, smoke=smoke, duration_s=duration_s)
        results[endpoint.name] = result
        if endpoint.is_floor and not floor_rps:
            floor_rps = result.rps
        target = endpoint.target
        section.add(endpoint.name, result.rps, "1.00× (floor)" if endpoint.is_floor and result.rps == floor_rps
                    else ratio(result.rps, floor_rps), result.p50_ms, result.p95_ms, result.p99_ms,
                    errors_cell(result), queries_cell(queries, endpoint.query_key),
                    target.describe() if target else "–",
                    ("yes" if target.met(result, floor_rps) else "no") if target else "–")
        if result.error_sample:
            section.notes.append(f"{endpoint.name}: {result.error_sample}")
        section.notes.extend(endpoint.notes)
    return results


def errors_cell(result: LoadResult) -> str:
    if not result.errors:
        return "0"
    return ", ".join(f"{status}: {count}" for status, count in sorted(result.errors.items()))
