"""RESULTS.md from the runs: the machine and the exact command, each scenario's tables, the cost growth.

The cost-growth table is read back from the API and Subsonic tables (their `endpoint`,
`req/s`, `p95 ms` and queries columns) of every size, so it shows exactly the figures printed
above it, side by side, with the largest size over the smallest.
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from .core import ROOT
from .report import Section, cell, section_markdown
from .scenarios.common import COLUMNS, load_words

GROWTH_TITLES = ("API under concurrent load", "Subsonic API")
MISSING_NOTE = {
    "memory": "PSS of every process at idle, after the load and after ingest, and the first use after start",
    "streaming": "Range streaming through the app next to nginx sendfile",
    "listens": "sustained listens/s through the API and the delay until reports show them",
    "ingest": "tags + rows files/s and the full pipeline against the decode floor",
}


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> str:
    try:
        import psutil

        return f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        return "unknown"


def _postgres_version() -> str:
    try:
        import pgserver

        binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "postgres"
        return subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip() or "unknown"
    except (ImportError, OSError):
        return "unknown"


def header(*, command: str, duration_s: float, smoke: bool) -> list[str]:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (dirty)"
    return [
        "# JONQUILS benchmark results (issue 17)", "",
        f"- date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- commit: {commit}",
        f"- command: `{command}`" + (" (smoke: tiny loads, figures only prove the suite runs)" if smoke else ""),
        f"- machine: {_cpu_model()}, {os.cpu_count()} cores, {_ram_gb()} RAM, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, {_postgres_version()}",
        f"- load: {load_words(duration_s, smoke)}; the stack is `make run`'s own (`python -m jonquils.embedded.run`) with "
        "API_THROTTLE_ANON and API_THROTTLE_USER raised to 1000000/min: the bench measures what a request costs, "
        "not the throttle that protects production.", "",
    ]


def _column(section: Section, name: str) -> int:
    return section.columns.index(name)


def growth_figures(run) -> dict[str, tuple]:
    """{endpoint: (req/s, p95 ms, queries)} from one size's API and Subsonic tables (floor rows included)."""
    figures = {}
    for section in run.sections:
        if section.title not in GROWTH_TITLES or section.columns != COLUMNS:
            continue
        name_i, rps_i, p95_i, q_i = (_column(section, c) for c in ("endpoint", "req/s", "p95 ms", COLUMNS[7]))
        for row in section.rows:
            if str(row[name_i]).startswith("library sync once"):
                figures["Subsonic: library sync once (pages/s)"] = (row[rps_i], row[p95_i], row[q_i])
                continue
            key = _stable_name(section.title, str(row[name_i]))
            figures[key] = (row[rps_i], row[p95_i], row[q_i])
    return figures


def _stable_name(title: str, endpoint: str) -> str:
    """Row names that carry size-dependent numbers (deep page, entry count, offset) lose them, so sizes line up."""
    prefix = "Subsonic: " if title == "Subsonic API" else ""
    for stem in ("track list, deep page", "playlist detail", "playlist entries, page 1", "playlist entries, last page",
                 "search3 sync page", "POST /api/v1/analytics/listen"):
        if endpoint.startswith(stem):
            return prefix + stem
    return prefix + endpoint


def growth_section(runs) -> Section | None:
    if len(runs) < 2:
        return None
    per_size = [(run.tracks, growth_figures(run)) for run in runs]
    names = list(dict.fromkeys(name for _, figures in per_size for name in figures))
    if not names:
        return None
    small, large = per_size[0], per_size[-1]
    columns = ["endpoint"] + [f"{label} @ {tracks:,}" for tracks, _ in per_size for label in ("req/s", "p95 ms", "queries")]
    columns += [f"req/s {large[0]:,}/{small[0]:,}", f"p95 {large[0]:,}/{small[0]:,}"]
    section = Section("Cost growth with the catalog", columns, intro=(
        "The API, search and Subsonic figures of every size side by side (queries: first/repeat request), and the "
        "largest size over the smallest: a flat cost stays near 1.00×; a p95 ratio well above 1 or a req/s ratio "
        "well below 1 grows with the catalog (issue 17 wants query counts and p95 flat from 10k to 1M)."))
    for name in names:
        cells = [name]
        for _, figures in per_size:
            cells += list(figures.get(name, (None, None, None)))
        a, b = small[1].get(name), large[1].get(name)
        cells.append(_over(b[0], a[0]) if a and b else None)
        cells.append(_over(b[1], a[1]) if a and b else None)
        section.add(*cells)
    return section


def _seconds(value) -> str:
    return f"{value:.0f} s" if isinstance(value, (int, float)) else "–"


def _over(value, base) -> str | None:
    if not isinstance(value, (int, float)) or not isinstance(base, (int, float)) or not base:
        return None
    return f"{value / base:.2f}×"


def _notes_md() -> list[str]:
    notes = ROOT / "bench" / "NOTES.md"
    if not notes.exists():
        return []
    return ["## Notes: fixes before and after", "", notes.read_text().strip(), ""]


def markdown(runs, *, command: str, duration_s: float, smoke: bool, seeds: dict[int, dict]) -> str:
    lines = header(command=command, duration_s=duration_s, smoke=smoke)
    lines += ["## Catalogs", "", "| tracks asked | " + " | ".join(
        ("tracks", "artists", "albums", "users", "listens", "playlists", "playlist_entries")) + " | seeded in | ran for |",
        "|" + "---|" * 10]
    for run in runs:
        seed = seeds.get(run.tracks) or {}
        counts, seeded_s = seed.get("counts", {}), seed.get("seconds", {}).get("total")
        lines.append(f"| {run.tracks:,} | " + " | ".join(cell(counts.get(k)) for k in (
            "tracks", "artists", "albums", "users", "listens", "playlists", "playlist_entries"))
            + f" | {_seconds(seeded_s)} | {_seconds(run.seconds)} |")
    lines.append("")
    largest = runs[-1] if runs else None
    if largest is not None:
        lines += [f"## At {largest.tracks:,} tracks", ""]
        lines += [section_markdown(section) for section in largest.sections]
        for name in dict.fromkeys(largest.missing):
            lines += [f"### {name} (not run)", "",
                      f"- `bench/scenarios/{name}.py` is not on this branch yet, so {MISSING_NOTE.get(name, name)} "
                      "is not measured here.", ""]
    growth = growth_section(runs)
    if growth is not None:
        lines += ["## Cost growth", "", section_markdown(growth)]
    for run in runs[:-1]:
        lines += [f"## At {run.tracks:,} tracks (growth figures only)", ""]
        lines += [section_markdown(section) for section in run.sections]
    lines += _notes_md()
    return "\n".join(lines).rstrip() + "\n"
