"""What Airflow needs from the project, in one place: Django set up inside a task, and the
environment + metadata-database start-up of an Airflow installation (tests and `make run`-style
code reuse `airflow_environment` / `airflow_prepare`).

Nothing here imports Django or Airflow at module level: DAG files import it while being parsed.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = PROJECT_ROOT / "dags"


def django_setup() -> None:
    """Make the project importable and configure Django once per process (idempotent)."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def airflow_environment(*, home: str | Path, base: dict | None = None, extra: dict | None = None) -> dict:
    """The environment of an Airflow process for this project: its home, our DAGs, SQLite metadata
    unless AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is given, no examples, the project on PYTHONPATH."""
    home = Path(home)
    env = dict(os.environ if base is None else base)
    env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": env.get("AIRFLOW__CORE__UNIT_TEST_MODE", "False"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE", "jonquils.settings"),
    })
    env.update(extra or {})
    return env


def airflow_command(*args: str) -> list[str]:
    """The `airflow` CLI of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("airflow")), *args]


def airflow_prepare(env: dict, *, timeout_s: float = 300) -> None:
    """Create or upgrade Airflow's metadata database (`airflow db migrate`); raise with its output."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(airflow_command("db", "migrate"), env=env, capture_output=True, text=True,
                          timeout=timeout_s, cwd=env["AIRFLOW_HOME"])
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def run_step(dotted: str, **kwargs):
    """Set Django up and call one etl function by dotted path: the body of every DAG task.

    If the function raises and a job id was given, the job keeps the error (its finish step marks
    it failed), then the exception goes to Airflow.
    """
    django_setup()
    import traceback
    from importlib import import_module

    module_name, _, func_name = dotted.rpartition(".")
    func = getattr(import_module(module_name), func_name)
    try:
        return func(**kwargs)
    except Exception:
        if kwargs.get("job_id") is not None:
            from etl.pipeline.run import job_fail

            job_fail(job_id=kwargs["job_id"], error=traceback.format_exc())
        raise
