"""The streaming, listens, ingest and memory scenarios run at smoke size and report sane numbers without errors.

One stack for the whole module (it takes a minute to start): a 300-track catalog seeded by
`manage.py bench_seed` (with its stored audio) in a var dir of its own. Not timed tests: they check shapes, counts and that no row
had an error, never that something is faster than a number.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import psutil
import pytest

from bench.core import ROOT, start_stack
from bench.runner import THROTTLE_ENV
from bench.scenarios import ingest, listens, memory, streaming

# What tests.environment sets for the suite's own Django; the stack runs as from a shell, without them.
SUITE_ENV = ("JONQUILS_VAR_DIR", "LOG_DIR", "DEBUG", "STATIC_MANIFEST", "STATIC_ROOT", "SECRET_KEY", "JWT_SIGNING_KEY",
             "DJANGO_SETTINGS_MODULE")
SEED_TRACKS = 300

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not streaming.NGINX or not os.path.exists(streaming.NGINX),
                                                   reason="Debian's nginx is missing (make deploy-tools installs it)")]


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in SUITE_ENV}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("bench-scenarios")
    env = {**_clean_env(), "JONQUILS_VAR_DIR": str(var_dir)}
    done = subprocess.run([sys.executable, "manage.py", "bench_seed", "--tracks", str(SEED_TRACKS)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((var_dir / "bench-seed.json").read_text())["audio"]["large_track_id"]
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_clean_env())
    try:
        running = start_stack(var_dir, **THROTTLE_ENV)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield running
    finally:
        running.stop()
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(var_dir) in " ".join(p.info["cmdline"] or [])]


def _rows(section):
    return [dict(zip(section.columns, row, strict=True)) for row in section.rows]


def test_memory_reads_every_role_and_first_use_answers(stack):
    idle = memory.snapshot(stack, "idle")
    first = memory.first_use(stack)
    after = memory.snapshot(stack, "after first use")

    assert {"web", "worker", "analytics", "redis", "postgres"} <= set(idle["roles"])
    assert all(reading["pss_mb"] > 0 and reading["processes"] >= 1 for reading in idle["roles"].values())
    table = memory.section([idle, after])
    rows = {row[0]: row for row in table.rows}
    assert rows["total"][1] > rows["total without PostgreSQL"][1] > 0
    assert any("500 MB" in note for note in table.notes)
    answers = [row[2] for row in first.rows]
    assert len(first.rows) == 4 and all(row[1] > 0 for row in first.rows)
    assert answers[:3] == ["200", answers[1], "200"] and answers[1].startswith("206")
    assert answers[3] == "1 processed, 0 failed"


def test_growth_that_does_not_come_back_is_called_out():
    def snap(label, web):
        return {"label": label, "at": 0, "roles": {"web": {"pss_mb": web, "processes": 3}}}

    assert "did not come back" in memory.growth_notes([snap("idle", 200.0), snap("after load", 300.0)])[0]
    assert "no role grew" in memory.growth_notes([snap("idle", 200.0), snap("after load", 203.0)])[0]


def test_streaming_holds_every_concurrency_without_errors(stack):
    [section] = streaming.run(stack, smoke=True, duration_s=1.0)

    rows = _rows(section)
    assert [(r["path"].split()[0], r["streams"]) for r in rows] == [
        (name, n) for n in streaming.SMOKE_CONCURRENCY for name in ("nginx", "app", "X-Accel-Redirect", "signed")]
    assert all(r["errors"] == "0" and r["MB/s"] > 0 and r["req/s"] > 0 for r in rows), rows
    assert any("PSS" in note for note in section.notes)


def test_listens_sustained_visible_and_drained(stack):
    sustained, batched, visible, drain = listens.run(stack, smoke=True, duration_s=1.0)

    [row] = _rows(sustained)
    assert row["errors"] == "0" and row["listens/s"] > 0 and row["p99 ms"] >= row["p50 ms"] > 0
    rows = _rows(batched)
    assert [r["listens a request"] for r in rows] == [n for n in listens.BATCH_SIZES for _ in listens.SMOKE_CONCURRENCY]
    assert all(r["errors"] == "0" and r["listens/s"] == pytest.approx(r["requests/s"] * r["listens a request"], rel=0.01)
               for r in rows), rows
    [seen] = _rows(visible)
    assert seen["accepted"] == seen["burst"] and seen["plays seen"] >= seen["plays before"] + seen["burst"]
    assert isinstance(seen["seconds until visible"], float)
    raw, alone, drained = _rows(drain)
    assert raw["rows"] == alone["rows"] == drained["rows"] == listens.SMOKE_DRAIN_ROWS
    assert raw["rows/s"] > 0 and alone["rows/s"] > 0 and drained["rows/s"] > 0


def test_ingest_in_process_and_through_the_stack(stack):
    in_process, through = ingest.run(stack, smoke=True, duration_s=1.0)

    steps = {row[0]: row for row in in_process.rows}
    assert len(steps) == 4 and all(row[1] > 0 and row[2] > 0 for row in steps.values())
    [row] = _rows(through)
    assert (row["files"], row["uploads accepted"], row["processed"], row["failed"], row["unfinished"]) == (10, 10, 10, 0, 0)
    assert row["files/s end to end"] > 0
