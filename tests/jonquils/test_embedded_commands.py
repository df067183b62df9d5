"""The process command lines of `make run`: one beat, carried by the worker, only when asked for."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jonquils.embedded.services import celery_command

ROOT = Path(__file__).resolve().parents[2]


def test_only_a_worker_asked_for_beat_carries_it_with_a_pidfile(tmp_path):
    plain = celery_command("worker", var_run_dir=tmp_path)
    carrying = celery_command("worker", var_run_dir=tmp_path, beat=True)

    assert "--beat" not in plain and "--pidfile" not in plain  # the suite's workers never schedule
    assert "--beat" in carrying
    assert carrying[carrying.index("--pidfile") + 1] == str(tmp_path / "worker-beat.pid")
    assert carrying[carrying.index("--schedule") + 1] == str(tmp_path / "celerybeat-schedule")


def test_a_second_beat_on_the_same_var_dir_refuses_to_start(tmp_path):
    # given a live process holding the beat pidfile of this var dir
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / "worker-beat.pid").write_text(f"{holder.pid}\n")
        # when another worker carrying beat starts there
        result = subprocess.run(celery_command("worker", var_run_dir=tmp_path, beat=True), cwd=ROOT,
                                capture_output=True, text=True, timeout=180)
    finally:
        holder.kill()
        holder.wait()
    # then it stops before scheduling anything, saying why
    assert result.returncode != 0
    assert "already exists" in result.stderr + result.stdout
    assert "beat: Starting" not in result.stderr + result.stdout
