"""music_etl_pipeline (hourly): bucket → registry → catalog rows → genre model, search → aggregates → cache.

Orchestration only: each task sets Django up and calls one etl.pipeline function; XCom carries
the job id, counts and track ids. The steps are idempotent, so a retried task or an overlapping
run never duplicates anything (files are claimed with SELECT … FOR UPDATE SKIP LOCKED).
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

DEFAULT_ARGS = {"owner": "data-engineering", "retries": 1, "retry_delay": timedelta(minutes=2)}


@dag(dag_id="music_etl_pipeline", schedule="@hourly", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
     catchup=False, max_active_runs=1, default_args=DEFAULT_ARGS, tags=["jonquils", "etl"],
     doc_md=__doc__)
def music_etl_pipeline():
    @task
    def start_job() -> int:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.job_start", job_name="music_etl_pipeline", details={"scheduler": "airflow"})

    @task
    def extract_new_tracks(job_id: int) -> dict:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.step_extract", job_id=job_id)

    @task
    def process_audio_metadata(job_id: int, extracted: dict) -> dict:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.process_pending", job_id=job_id)

    @task
    def train_genre_model(job_id: int, processed: dict) -> dict:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.train_genre_model", job_id=job_id)

    @task
    def index_to_search(job_id: int, processed: dict) -> int:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.index_to_search", job_id=job_id, track_ids=processed["track_ids"])

    @task
    def create_analytics_aggregates(job_id: int, indexed: int) -> dict:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.create_analytics_aggregates", job_id=job_id)

    @task
    def invalidate_cache(job_id: int, processed: dict, aggregates: dict) -> bool:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.cache_invalidate", job_id=job_id, changed=processed["processed"])

    @task(trigger_rule="all_done")
    def finish_job(job_id: int, invalidated) -> str:
        from etl.airflow_support import run_step

        return run_step("etl.pipeline.run.job_finish", job_id=job_id).status

    job_id = start_job()
    processed = process_audio_metadata(job_id, extract_new_tracks(job_id))
    train_genre_model(job_id, processed)
    aggregates = create_analytics_aggregates(job_id, index_to_search(job_id, processed))
    finish_job(job_id, invalidate_cache(job_id, processed, aggregates))


music_etl_pipeline()
