"""The benchmark suite still runs: `python -m bench --smoke` end to end on a tiny catalog of its own.

Not a timed test: it checks that every section is written with numbers, that no row had an
error, and that the run stopped every server it started (nothing left with its var dir).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from bench.core import ROOT
from bench.report import Section
from bench.results import growth_section
from bench.runner import SizeRun, ensure_seeded
from bench.scenarios.common import COLUMNS

SECTIONS = ("API under concurrent load", "Listener pages under concurrent load", "Subsonic API")
OTHER_SCENARIOS = ("memory", "streaming", "listens", "ingest")


# What tests.environment sets for the suite's own Django; the bench runs as from a shell, without them.
SUITE_ENV = ("JONQUILS_VAR_DIR", "LOG_DIR", "DEBUG", "STATIC_MANIFEST", "STATIC_ROOT", "SECRET_KEY", "JWT_SIGNING_KEY",
             "DJANGO_SETTINGS_MODULE")


def _bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ENV}
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _tables(markdown: str) -> dict[str, list[list[str]]]:
    """{section title: table rows (cells as text)} of every `###` section."""
    tables, title = {}, None
    for line in markdown.splitlines():
        if line.startswith("### "):
            title = line[4:].strip()
            tables[title] = []
        elif title and line.startswith("| ") and not line.startswith("| endpoint"):
            tables[title].append([c.strip() for c in line.strip("|").split(" | ")])
    return tables


def _left_behind(var_root: Path) -> list[str]:
    """Processes whose command line or JONQUILS_VAR_DIR points into `var_root`."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            var_dir = process.environ().get("JONQUILS_VAR_DIR", "")
        except psutil.Error:
            continue
        if str(var_root) in cmdline or var_dir.startswith(str(var_root)):
            found.append(f"{process.pid} {cmdline[:120]}")
    return found


@pytest.mark.slow
def test_smoke_run_writes_every_section_without_errors_and_stops_its_servers(tmp_path):
    if not list(ROOT.glob("*/management/commands/bench_seed.py")):
        pytest.skip("manage.py bench_seed is not on this branch yet (the smoke run seeds its catalog with it)")
    # given a var root of its own and an output file
    var_root, out = tmp_path / "var", tmp_path / "RESULTS.md"

    # when the smoke run goes end to end at 300 tracks
    done = _bench("--smoke", "--sizes", "300", "--out", str(out), "--var-root", str(var_root))

    # then it succeeded and wrote every section
    assert done.returncode == 0, done.stderr[-3000:]
    markdown = out.read_text()
    assert "- commit: " in markdown and "- machine: " in markdown and "1000000/min" in markdown
    # and the catalog row says how long its seed took and how long the run at that size took
    assert re.search(r"^\| 300 \| 300 \|.*\| [0-9]+ s \| [0-9]+ s \|$", markdown, re.M), markdown[:2000]
    tables = _tables(markdown)
    assert not [title for title in tables if title.endswith("(failed)")], markdown
    for title in SECTIONS:
        assert tables.get(title), f"section {title!r} missing or empty:\n{markdown}"
    for name in OTHER_SCENARIOS:
        assert any(name in title.lower() for title in tables) or f"### {name} (not run)" in markdown
    # and every request row has a positive req/s and no error
    for title in SECTIONS:
        for row in tables[title]:
            rps, errors = row[COLUMNS.index("req/s")], row[COLUMNS.index("errors")]
            assert re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?", rps) and float(rps.replace(",", "")) > 0, row
            assert errors == "0", row
    # and nothing it started is still running
    assert _left_behind(var_root) == []


def test_bad_arguments_answer_a_clear_error_and_exit_2(tmp_path):
    for args, message in ((["--sizes", "ten"], "whole numbers"), (["--only", "api,videos"], "unknown scenario videos"),
                          (["--duration", "-1"], "between 0 and 600")):
        done = _bench(*args, "--var-root", str(tmp_path), timeout=60)
        assert done.returncode == 2, done
        assert message in done.stderr
    assert not any(tmp_path.iterdir())  # nothing seeded or written


def test_cost_growth_puts_each_size_side_by_side_with_the_ratio():
    def run(tracks, rps, p95, deep):
        section = Section("API under concurrent load", COLUMNS)
        section.add("track detail", rps, "0.50×", 1.0, p95, 3.0, "0", "4/2", "–", "–")
        section.add(f"track list, deep page {deep:,}", rps / 2, "0.25×", 1.0, p95 * 2, 3.0, "0", "3/3", "–", "–")
        return SizeRun(tracks, sections=[section])

    growth = growth_section([run(10_000, 100.0, 10.0, 500), run(1_000_000, 50.0, 40.0, 5000)])

    assert growth.columns[-2:] == ["req/s 1,000,000/10,000", "p95 1,000,000/10,000"]
    rows = {row[0]: row for row in growth.rows}
    assert rows["track detail"][1:4] == [100.0, 10.0, "4/2"] and rows["track detail"][-2:] == ["0.50×", "4.00×"]
    assert rows["track list, deep page"][-2:] == ["0.50×", "4.00×"]


def test_a_var_dir_seeded_with_the_same_parameters_is_not_seeded_again(tmp_path, capsys):
    # given a manifest written by bench_seed for 300 tracks
    (tmp_path / "bench-seed.json").write_text('{"params": {"tracks": 300, "seed": 17}, "counts": {"tracks": 300}}')

    # when the runner checks it for the same size
    ensure_seeded(tmp_path, 300, reseed=False)

    # then bench_seed did not run (nothing printed, nothing else written)
    assert "seeding" not in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-seed.json"]
