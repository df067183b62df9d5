"""Run every monitoring check once, turn findings into alerts, keep the run as an etl_jobs row.

The same `run_monitoring` runs from the Airflow DAG `system_monitoring`, Celery beat
(`etl.system_monitoring`, the embedded default) and `manage.py monitor`. Each check is one
function (CHECKS); its source name is the alert `source`. A check that raises is reported as a
`monitoring` alert (key: the check's name) and its own alerts are left as they were.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.utils import timezone

from etl.models import EtlJob, JobStatus

from .alerts import alert_upsert, alerts_resolve, alerts_sync
from .base import CheckResult, Finding
from .performance import check_request_performance
from .quality import (check_listens_in_clickhouse, check_missing_objects, check_orphan_objects,
                      check_playlist_positions, check_ready_without_features, check_recent_failures,
                      check_stuck_processing)
from .service_state import check_services

logger = logging.getLogger("jonquils.etl")

MONITORING = "system_monitoring"
CHECKS: tuple[tuple[str, Callable[[], CheckResult]], ...] = (
    ("service", check_services),
    ("stuck_processing", check_stuck_processing),
    ("recent_failures", check_recent_failures),
    ("missing_objects", check_missing_objects),
    ("orphan_objects", check_orphan_objects),
    ("ready_without_features", check_ready_without_features),
    ("playlist_positions", check_playlist_positions),
    ("listens_in_clickhouse", check_listens_in_clickhouse),
    ("request_performance", check_request_performance),
)


def run_monitoring(*, only: list[str] | None = None) -> EtlJob:
    """Run the checks (all, or those named in `only`); success when nothing was found, partial when
    something was, failed when a required component is down."""
    job = EtlJob.objects.create(job_name=MONITORING, status=JobStatus.RUNNING)
    details: dict = {"checks": {}, "alerts": {}}
    problems: list[str] = []
    crashed: set[str] = set()
    for name, check in CHECKS:
        if only and name not in only:
            continue
        started = time.perf_counter()
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            logger.exception("monitoring check %s failed", name)
            crashed.add(name)
            message = f"The monitoring check {name} could not run ({type(exc).__name__})."
            alert_upsert(source="monitoring", finding=Finding(message, key=name))
            problems.append(message)
            details["checks"][name] = {"error": message}
            continue
        details[name] = result.report
        details["checks"][name] = {"complete": result.complete, "findings": len(result.findings),
                                   "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
        if result.complete:
            details["alerts"][name] = alerts_sync(source=name, findings=result.findings)
        else:
            details["alerts"][name] = {"open": [alert_upsert(source=name, finding=f).pk for f in result.findings],
                                       "resolved": []}
        problems += [finding.message for finding in result.findings]
    if not only:
        alerts_resolve(source="monitoring", keep_keys=crashed)
    details["health"] = details.get("service", {})
    down = details["health"].get("status") == "down"
    job.status = JobStatus.FAILED if down else JobStatus.PARTIAL if problems else JobStatus.SUCCESS
    job.end_time = timezone.now()
    job.records_failed = details.get("recent_failures", {}).get("failed_recently", 0)
    job.error_message = "; ".join(problems)
    job.details = details
    job.save()
    log = logger.info if job.status == JobStatus.SUCCESS else logger.warning
    log("system_monitoring: %s%s", job.status, f" ({job.error_message})" if problems else "",
        extra={"etl_job_id": job.pk, "findings": len(problems)})
    return job
