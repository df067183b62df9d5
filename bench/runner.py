"""`python -m bench`: seed each size's var dir, start the stack on it, run the scenarios, write RESULTS.md.

For each size N a var dir `<var-root>/t<N>` holds its own catalog, seeded by
`manage.py bench_seed --tracks N` when its manifest is missing or was made with other
parameters. The largest size runs every scenario in a fixed order (memory first, so the idle
snapshot is taken before any load); the smaller sizes run only what the cost-growth table
compares (API, search, Subsonic). The stack is stopped whatever happens (try/finally).
Scenario modules written separately (memory, streaming, listens, ingest) are imported by name;
when one is missing, RESULTS.md says so and the run goes on.
"""
from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import results
from .core import ROOT, read_seed, stack_env, start_stack
from .report import Section

SCENARIOS = ("api", "pages", "subsonic", "streaming", "listens", "ingest", "memory")
GROWTH_SCENARIOS = ("api", "subsonic")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# The bench measures what a request costs, not the throttle that protects production.
THROTTLE_ENV = {"API_THROTTLE_ANON": "1000000/min", "API_THROTTLE_USER": "1000000/min"}
DEFAULT_DURATION_S = 10.0
SMOKE_DURATION_S = 1.0


@dataclass
class SizeRun:
    tracks: int
    sections: list[Section] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, not {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("give at least one size, each at least 1 track")
    return sizes


def _only(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown scenario {', '.join(unknown) or '(none)'}; choose from {', '.join(SCENARIOS)}")
    return names


def _duration(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a duration is a number of seconds, not {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("a duration is between 0 and 600 seconds")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Run issue 17's benchmark suite and write bench/RESULTS.md.")
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="catalog sizes in tracks (default 10000,100000,1000000)")
    p.add_argument("--smoke", action="store_true", help="tiny loads (1 s a row), to check that the suite still runs")
    p.add_argument("--only", type=_only, default=list(SCENARIOS), help=f"scenarios to run: {','.join(SCENARIOS)}")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md", help="where to write the results")
    p.add_argument("--reseed", action="store_true", help="seed every size again, even when its manifest matches")
    p.add_argument("--duration", type=_duration, default=None, help="seconds of load per row (default 10, smoke 1)")
    p.add_argument("--var-root", type=Path, default=ROOT / "var" / "bench", help="where the t<N> var dirs live")
    return p


def seed_params(tracks: int) -> dict:
    return {"tracks": tracks}


def ensure_seeded(var_dir: Path, tracks: int, *, reseed: bool) -> None:
    """Run bench_seed (stack stopped) unless the manifest was made with the same parameters."""
    manifest = read_seed(var_dir)
    wanted = seed_params(tracks)
    if not reseed and manifest and all(manifest.get("params", {}).get(k) == v for k, v in wanted.items()):
        return
    var_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(ROOT / "manage.py"), "bench_seed", "--tracks", str(tracks)]
    if reseed or manifest or (var_dir / "pg").exists():  # bench_seed refuses to overwrite a catalog otherwise
        command.append("--reset")
    print(f"[bench] seeding {var_dir} with {tracks:,} tracks …", flush=True)
    done = subprocess.run(command, env=stack_env(var_dir), cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench_seed failed for {var_dir} (exit {done.returncode}); see its output above")
    if not read_seed(var_dir):
        raise SystemExit(f"bench_seed wrote no {var_dir / 'bench-seed.json'}")


def _module(name: str):
    """The scenario module, or None when it does not exist (another helper's, not merged yet)."""
    try:
        return importlib.import_module(f"bench.scenarios.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.scenarios.{name}":
            return None
        raise


def _as_sections(value) -> list[Section]:
    """A memory step may answer one Section or a list of them (first_use, section)."""
    if value is None:
        return []
    return [value] if isinstance(value, Section) else list(value)


def run_size(var_dir: Path, tracks: int, *, names: list[str], smoke: bool, duration_s: float) -> SizeRun:
    """Start the stack on `var_dir`, run `names` in the suite's order, stop the stack."""
    outcome = SizeRun(tracks)
    began = time.monotonic()
    stack = start_stack(var_dir, **THROTTLE_ENV)
    snapshots = []
    memory = _module("memory") if "memory" in names else None
    if "memory" in names and memory is None:
        outcome.missing.append("memory")

    def guarded(name: str, call) -> None:
        """Run one scenario step; a failure is written into RESULTS.md and the run goes on."""
        print(f"[bench] t{tracks}: {name} …", flush=True)
        try:
            call()
        except Exception as exc:  # one broken scenario must not cost the figures of the others
            traceback.print_exc()
            outcome.failed.append(name)
            outcome.sections.append(Section(f"{name} (failed)", [], notes=[f"{type(exc).__name__}: {exc}"[:1500]]))

    def step(name: str) -> None:
        if name not in names:
            return
        module = _module(name)
        if module is None:
            outcome.missing.append(name)
            return
        guarded(name, lambda: outcome.sections.extend(module.run(stack, smoke=smoke, duration_s=duration_s)))

    def memory_step(label: str, *, first_use: bool = False, last: bool = False) -> None:
        if memory is None:
            return

        def call() -> None:
            snapshots.append(memory.snapshot(stack, label))
            if first_use:
                outcome.sections.extend(_as_sections(memory.first_use(stack)))
            if last:
                outcome.sections.extend(_as_sections(memory.section(snapshots)))

        guarded(f"memory {label}", call)

    try:
        memory_step("idle", first_use=True)
        for name in ("api", "pages", "subsonic", "streaming", "listens"):
            step(name)
        memory_step("after load")
        step("ingest")
        memory_step("after ingest", last=True)
    finally:
        stack.stop()
    outcome.seconds = time.monotonic() - began
    return outcome


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    duration_s = args.duration or (SMOKE_DURATION_S if args.smoke else DEFAULT_DURATION_S)
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    runs = []
    largest = args.sizes[-1]
    for tracks in args.sizes:
        var_dir = (args.var_root / f"t{tracks}").resolve()
        ensure_seeded(var_dir, tracks, reseed=args.reseed)
        names = args.only if tracks == largest else [n for n in args.only if n in GROWTH_SCENARIOS]
        if names:
            runs.append(run_size(var_dir, tracks, names=names, smoke=args.smoke, duration_s=duration_s))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(results.markdown(runs, command=command.strip(), duration_s=duration_s, smoke=args.smoke,
                                         seeds={r.tracks: read_seed((args.var_root / f"t{r.tracks}").resolve()) for r in runs}))
    print(f"[bench] wrote {args.out}", flush=True)
    failed = sorted({f"t{r.tracks}:{name}" for r in runs for name in r.failed})
    print(json.dumps({"sizes": [r.tracks for r in runs], "sections": sum(len(r.sections) for r in runs),
                      "missing": sorted({m for r in runs for m in r.missing}), "failed": failed}), flush=True)
    return 1 if failed else 0
