"""music_etl_pipeline: the steps as plain functions taking and returning ids and counts.

Every run is an etl.etl_jobs row (running → success / partial / failed) and every log line of a
run carries `etl_job_id`. Celery, Airflow and `manage.py etl_run` call these same functions.
"""
from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from etl.models import EtlJob, JobStatus
from etl.pipeline.extract import extract_new_tracks
from etl.pipeline.process import claim_next, registry_entry_process

logger = logging.getLogger("jonquils.etl")

PIPELINE = "music_etl_pipeline"
STEPS = ("extract", "process", "genre_model", "index", "aggregates", "cache")


# --- the job row ------------------------------------------------------------------------------


def job_start(*, job_name: str = PIPELINE, details: dict | None = None) -> int:
    job = EtlJob.objects.create(job_name=job_name, status=JobStatus.RUNNING, details=details or {})
    logger.info("%s started", job_name, extra={"etl_job_id": job.pk, "job_name": job_name})
    return job.pk


def job_record(*, job_id: int, new: int = 0, processed: int = 0, failed: int = 0, skipped: int = 0,
               details: dict | None = None) -> None:
    """Add counts to a job (F() increments, so steps in several processes add up) and merge details."""
    with transaction.atomic():
        job = EtlJob.objects.select_for_update().get(pk=job_id)
        EtlJob.objects.filter(pk=job_id).update(
            records_new=F("records_new") + new, records_processed=F("records_processed") + processed,
            records_failed=F("records_failed") + failed, records_skipped=F("records_skipped") + skipped,
            details={**job.details, **(details or {})})


def job_fail(*, job_id: int, error: str) -> None:
    EtlJob.objects.filter(pk=job_id).update(error_message=error[:10_000])
    logger.error("job step failed: %s", error.splitlines()[-1] if error else "", extra={"etl_job_id": job_id})


def job_finish(*, job_id: int) -> EtlJob:
    """Close a job: failed if a step raised, partial if files failed, success otherwise."""
    job = EtlJob.objects.get(pk=job_id)
    if job.error_message:
        job.status = JobStatus.FAILED
    elif job.records_failed:
        job.status = JobStatus.PARTIAL
    else:
        job.status = JobStatus.SUCCESS
    job.end_time = timezone.now()
    job.save(update_fields=["status", "end_time"])
    logger.info("%s finished: %s (new %s, processed %s, failed %s, skipped %s)", job.job_name, job.status,
                job.records_new, job.records_processed, job.records_failed, job.records_skipped,
                extra={"etl_job_id": job.pk, "status": job.status})
    return job


# --- the steps --------------------------------------------------------------------------------


def step_extract(*, job_id: int) -> dict:
    counts = extract_new_tracks(job_id=job_id)
    job_record(job_id=job_id, new=counts["new"], skipped=counts["skipped"], details={"extract": counts})
    return counts


def sweep_uploads(*, job_id: int | None = None) -> dict:
    """Download URL uploads whose task never ran (etl.services.upload_sweep_stale, inline).

    Stored uploads whose task never ran need nothing here: their registry entries are pending,
    and process_pending claims them like any other file.
    """
    from etl.services import upload_sweep_stale

    counts = upload_sweep_stale(inline=True)
    logger.info("sweep: %(fetched)s stale URL uploads fetched, %(files)s stale stored uploads to process", counts,
                extra={"etl_job_id": job_id, "step": "sweep", **counts})
    if job_id is not None:
        job_record(job_id=job_id, details={"sweep": counts})
    return counts


def process_pending(*, limit: int | None = None, job_id: int | None = None) -> dict:
    """Claim pending files one by one (SKIP LOCKED) and process each; a failure never stops the run.

    Returns counts and the ids of tracks created or changed, for index_to_search.
    """
    counts = {"processed": 0, "failed": 0, "skipped": 0}
    track_ids: list[int] = []
    while limit is None or counts["processed"] + counts["failed"] + counts["skipped"] < limit:
        claimed = claim_next()
        if claimed is None:
            break
        registry_id, token = claimed
        result = registry_entry_process(registry_id=registry_id, token=token, on_error="fail")
        log_extra = {"etl_job_id": job_id, "registry_id": registry_id, "status": result.status}
        if result.status == "processed":
            counts["processed"] += 1
            if result.track_created:
                track_ids.append(result.track_id)
            logger.info("processed registry entry %s → track %s", registry_id, result.track_id,
                        extra={**log_extra, "track_id": result.track_id, "track_created": result.track_created})
        elif result.status == "failed":
            counts["failed"] += 1
            logger.warning("registry entry %s failed: %s", registry_id, result.error, extra={**log_extra, "reason": result.error})
        else:
            counts["skipped"] += 1
    if job_id is not None:
        job_record(job_id=job_id, processed=counts["processed"], failed=counts["failed"], skipped=counts["skipped"],
                   details={"process": {**counts, "tracks_created": len(track_ids)}})
    return {**counts, "track_ids": track_ids}


def index_to_search(*, track_ids: list[int], job_id: int | None = None) -> int:
    """Send new or changed tracks to the search service in one batch call; return how many were sent."""
    from search.services import index_tracks

    if not track_ids:
        return 0
    sent = index_tracks(track_ids=list(track_ids))
    logger.info("index_to_search: %s tracks given, %s sent to the index", len(track_ids), sent,
                extra={"etl_job_id": job_id, "step": "index"})
    if job_id is not None:
        job_record(job_id=job_id, details={"index": {"tracks": len(track_ids), "sent": sent}})
    return sent


def create_analytics_aggregates(*, job_id: int | None = None) -> dict:
    """Refresh data_warehouse daily plays and tracks.popularity from ClickHouse (etl.aggregates).

    When the analytics store cannot answer, nothing is written, the job is marked failed with
    the reason, and the remaining steps still run.
    """
    from dataclasses import asdict

    from analytics.clickhouse import ClickHouseUnavailable
    from etl.aggregates import analytics_aggregates_refresh

    try:
        result = {"status": "done", **asdict(analytics_aggregates_refresh())}
    except ClickHouseUnavailable as exc:
        result = {"status": "failed", "reason": f"The analytics store did not answer: {exc}"}
        logger.error("create_analytics_aggregates: %s", result["reason"], extra={"etl_job_id": job_id, "step": "aggregates"})
        if job_id is not None:
            job_fail(job_id=job_id, error=result["reason"])
    else:
        logger.info("create_analytics_aggregates: %s", result, extra={"etl_job_id": job_id, "step": "aggregates"})
    if job_id is not None:
        job_record(job_id=job_id, details={"aggregates": result})
    return result


def train_genre_model(*, job_id: int | None = None) -> dict:
    """Retrain the genre model on the catalog's tagged tracks (etl.audio.genre_model); record the evaluation."""
    from dataclasses import asdict

    from etl.audio.genre_model import genre_model_train

    info = genre_model_train()
    result = ({"status": "trained", **asdict(info)} if info is not None else
              {"status": "skipped", "reason": "fewer than two genres with enough tagged tracks"})
    logger.info("train_genre_model: %s", result["status"], extra={"etl_job_id": job_id, "step": "genre_model"})
    if job_id is not None:
        job_record(job_id=job_id, details={"genre_model": result})
    return result


def cache_invalidate(*, changed: int, job_id: int | None = None) -> bool:
    """Invalidate the cached catalog answers when anything changed; return whether it did."""
    from catalog.cache import catalog_cache_invalidate

    if changed:
        catalog_cache_invalidate()
    logger.info("cache: %s", "invalidated" if changed else "nothing changed", extra={"etl_job_id": job_id, "step": "cache"})
    if job_id is not None:
        job_record(job_id=job_id, details={"cache": {"invalidated": bool(changed)}})
    return bool(changed)


def run_pipeline(*, limit: int | None = None, steps: tuple[str, ...] = STEPS, job_id: int | None = None) -> EtlJob:
    """Run the chosen steps once in this process, bookkept as one etl_jobs row; return the closed row.

    `job_id` names a row made beforehand (job_start), so whoever asked for the run sees it at once.
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown steps {sorted(unknown)}; steps are {', '.join(STEPS)}")
    if job_id is None:
        job_id = job_start(details={"steps": list(steps), "limit": limit})
    try:
        if "extract" in steps:
            step_extract(job_id=job_id)
        processed = {"processed": 0, "failed": 0, "track_ids": []}
        if "process" in steps:
            sweep_uploads(job_id=job_id)
            processed = process_pending(limit=limit, job_id=job_id)
        if "genre_model" in steps:
            train_genre_model(job_id=job_id)
        if "index" in steps:
            index_to_search(track_ids=processed["track_ids"], job_id=job_id)
        if "aggregates" in steps:
            create_analytics_aggregates(job_id=job_id)
        if "cache" in steps:
            cache_invalidate(changed=processed["processed"], job_id=job_id)
    except Exception:
        job_fail(job_id=job_id, error=traceback.format_exc())
    return job_finish(job_id=job_id)
