"""system_monitoring: service health (jonquils.health) and data-quality checks, kept as an etl_jobs row.

The operations issue adds more checks (request-log performance, alerts); they join `run_monitoring`.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry

logger = logging.getLogger("jonquils.etl")

MONITORING = "system_monitoring"
STUCK_AFTER = timedelta(hours=1)
FAILED_WINDOW = timedelta(hours=1)


def data_quality() -> dict:
    """Registry rows stuck in processing for over an hour, and files that failed in the last hour."""
    now = timezone.now()
    stuck = S3FileRegistry.objects.filter(status=RegistryStatus.PROCESSING, updated_at__lt=now - STUCK_AFTER)
    failed = S3FileRegistry.objects.filter(status=RegistryStatus.FAILED, updated_at__gte=now - FAILED_WINDOW)
    return {"stuck_processing": stuck.count(), "stuck_ids": list(stuck.order_by("id").values_list("id", flat=True)[:20]),
            "failed_last_hour": failed.count(),
            "pending": S3FileRegistry.objects.filter(status=RegistryStatus.PENDING).count()}


def run_monitoring() -> EtlJob:
    """Run every check once; the job is success when all is well, partial when degraded, failed when down."""
    from jonquils.health import run_checks

    started = EtlJob.objects.create(job_name=MONITORING, status=JobStatus.RUNNING)
    health_status, components = run_checks()
    quality = data_quality()
    problems = [name for name, result in components.items() if not result.get("ok")]
    if quality["stuck_processing"]:
        problems.append(f"{quality['stuck_processing']} files stuck in processing for over an hour")
    if quality["failed_last_hour"]:
        problems.append(f"{quality['failed_last_hour']} files failed in the last hour")
    if health_status not in ("ok", "degraded"):
        status = JobStatus.FAILED
    elif problems:
        status = JobStatus.PARTIAL
    else:
        status = JobStatus.SUCCESS
    started.status, started.end_time = status, timezone.now()
    started.records_failed = quality["failed_last_hour"]
    started.error_message = "; ".join(problems)
    started.details = {"health": {"status": health_status, "components": components}, "data_quality": quality}
    started.save()
    log = logger.info if status == JobStatus.SUCCESS else logger.warning
    log("system_monitoring: %s%s", status, f" ({started.error_message})" if problems else "",
        extra={"etl_job_id": started.pk, "health": health_status, **{k: v for k, v in quality.items() if k != "stuck_ids"}})
    return started
