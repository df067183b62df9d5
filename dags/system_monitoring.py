"""system_monitoring (every 15 minutes): service state, data quality and request performance,
turned into alerts (opened while a condition lasts, resolved when it passes) and kept as an etl_jobs row.

Orchestration only: the checks, the runner and the alerts live in etl.pipeline.monitoring; the same
run_monitoring runs from Celery beat (embedded default) and `manage.py monitor`.
"""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import dag, task

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@dag(dag_id="system_monitoring", schedule=timedelta(minutes=15), start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, default_args={"owner": "data-engineering", "retries": 0},
     tags=["jonquils", "monitoring"], doc_md=__doc__)
def system_monitoring():
    @task
    def run_checks() -> dict:
        from etl.airflow_support import run_step

        job = run_step("etl.pipeline.monitoring.run_monitoring")
        return {"etl_job_id": job.pk, "status": job.status}

    run_checks()


system_monitoring()
