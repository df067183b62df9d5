"""Memory of the whole stack by role (PSS), and how fast the first requests after start are.

PSS (proportional set size, `/proc/<pid>/smaps_rollup` through psutil) counts a page shared by n
processes as 1/n in each, so the sum over processes is what the stack really costs: the
gunicorn workers and Celery children forked from a preloaded parent share most of their pages,
which RSS would count again in every child.

`snapshot(stack, label)` takes one reading of every process of `stack.processes()`;
`section(snapshots)` puts them side by side (role × snapshot, totals with and without
PostgreSQL, the 500 MB target of issue 17) and calls out growth that did not come back by the
last snapshot. `first_use(stack)` times the first search, stream request, playlist page and
upload right after start, so a lazy import or a 30 s compile in a first request would show.
"""
from __future__ import annotations

import time
import urllib.parse

from ..load import RequestSpec
from ..report import Section
from .common import fetch

TARGET_MB = 500
ROLES = ("run", "web", "worker", "beat", "analytics", "redis", "postgres", "other")
# Growth smaller than this (or 10 % of the role's first reading) is noise: allocator arenas, caches warming.
GROWTH_NOISE_MB = 10.0


def pss_mb(pids: list[int]) -> float:
    """The summed PSS of `pids` in MB; a process that exited meanwhile counts 0."""
    import psutil

    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_full_info().pss
        except psutil.Error:
            continue
    return total / 1e6


def snapshot(stack, label: str) -> dict:
    """{"label", "at", "roles": {role: {"pss_mb", "processes"}}} for every process of the stack now."""
    roles = {role: {"pss_mb": round(pss_mb(pids), 1), "processes": len(pids)}
             for role, pids in stack.processes().items() if pids}
    return {"label": label, "at": time.time(), "roles": roles}


def _total(snap: dict, *, postgres: bool) -> float:
    return sum(v["pss_mb"] for role, v in snap["roles"].items() if postgres or role != "postgres")


def section(snapshots: list[dict]) -> Section:
    """One table: role × snapshot (PSS MB, process count), the totals, the target, and what grew."""
    labels = [s["label"] for s in snapshots]
    present = [r for r in ROLES if any(r in s["roles"] for s in snapshots)]
    present += sorted({r for s in snapshots for r in s["roles"]} - set(present))
    out = Section("Memory of the stack (PSS by role)", ["role", *[f"{label} MB" for label in labels], "processes"],
                  intro="PSS from /proc/<pid>/smaps_rollup (shared pages split between the processes sharing them), "
                        "every process of `make run` by role, at each point of the run.")
    for role in present:
        cells = [s["roles"].get(role, {}).get("pss_mb") for s in snapshots]
        counts = sorted({s["roles"][role]["processes"] for s in snapshots if role in s["roles"]})
        out.add(role, *cells, "/".join(str(c) for c in counts))
    out.add("total", *[round(_total(s, postgres=True), 1) for s in snapshots], "")
    without = [round(_total(s, postgres=False), 1) for s in snapshots]
    out.add("total without PostgreSQL", *without, "")
    out.add("target (issue 17, idle, without PostgreSQL)", *[f"≤ {TARGET_MB}" for _ in snapshots], "")
    if without:
        met = "met" if without[0] <= TARGET_MB else "missed"
        out.notes.append(f"idle total without PostgreSQL {without[0]:,.0f} MB: target ≤ {TARGET_MB} MB {met}.")
    out.notes += growth_notes(snapshots)
    return out


def growth_notes(snapshots: list[dict]) -> list[str]:
    """A note for each role whose last reading stayed above its first by more than the noise."""
    if len(snapshots) < 2:
        return []
    first, last = snapshots[0], snapshots[-1]
    notes = []
    for role, reading in last["roles"].items():
        before = first["roles"].get(role, {}).get("pss_mb")
        if before is None:
            continue
        grown = reading["pss_mb"] - before
        if grown > max(GROWTH_NOISE_MB, 0.1 * before):
            notes.append(f"{role}: {before:,.0f} → {reading['pss_mb']:,.0f} MB from “{first['label']}” to "
                         f"“{last['label']}” (+{grown:,.0f} MB) did not come back.")
    return notes or [f"no role grew by more than {GROWTH_NOISE_MB:g} MB (or 10 %) between “{first['label']}” and "
                     f"“{last['label']}”."]


def _timed(call) -> tuple[float, str]:
    began = time.perf_counter()
    detail = call()
    return (time.perf_counter() - began) * 1000, detail


def _expect(status: int, wanted: tuple[int, ...], what: str) -> str:
    if status not in wanted:
        raise RuntimeError(f"the first {what} answered {status}")
    return str(status)


def first_use(stack) -> Section:
    """The latency of the first search, stream request, playlist page and upload after start."""
    from .ingest import generated_files, upload_and_wait
    from .streaming import NoStoredAudio, stream_path

    token = stack.token()
    auth = {"Authorization": f"Bearer {token}"}
    seed = stack.seed
    term = seed["sample"]["search_terms"]["common"]
    playlist = seed["big_playlist_ids"][0]
    out = Section("First use after start", ["first request", "ms", "answer"],
                  intro="Right after the stack printed its URL, each request once (a lazy import, model load "
                        "or JIT compile inside a first request would show here).")

    def search():
        spec = RequestSpec(f"/api/v1/search/tracks?q={urllib.parse.quote(term)}", headers=auth)
        return _expect(fetch(stack.base_url, spec)[0], (200,), "search")

    def stream():
        status, body = fetch(stack.base_url, RequestSpec(path, headers={"Range": "bytes=0-262143"}))
        return _expect(status, (206,), "stream request") + f", {len(body):,} bytes"

    def playlist_page():
        return _expect(fetch(stack.base_url, RequestSpec(f"/playlists/{playlist}"))[0], (200,), "playlist page")

    out.add(f"search “{term}” (API)", *_timed(search))
    try:
        stream_started = time.perf_counter()
        track_id, path = stream_path(stack)  # the player's first step: the signed URL (counted in the figure)
        _, answer = _timed(stream)
        out.add(f"stream-url, then Range requests (0-0, 256 KiB) of track {track_id}",
                (time.perf_counter() - stream_started) * 1000, answer)
    except NoStoredAudio as exc:
        out.add("stream request", None, f"not measured: {exc}")
    out.add(f"playlist page /playlists/{playlist} (HTML)", *_timed(playlist_page))
    files = generated_files(1, seconds=5.0, tag="first-use")
    ms, outcome = _timed(lambda: upload_and_wait(stack, files, timeout_s=300))
    out.add("upload of one 5 s mp3 until processed", ms, f"{outcome['processed']} processed, {outcome['failed']} failed")
    return out
