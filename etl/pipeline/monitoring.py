"""system_monitoring: service health (jonquils.health) and data-quality checks, kept as an etl_jobs row.

The operations issue adds more checks (request-log performance, alerts); they join `run_monitoring`.

`missing_objects` is the one place that decides a ready track lost its audio (a stream or a
download only answers 404/503 and changes nothing): the tracks bucket is listed, every ready
track whose key is not listed is re-checked object by object (`MISSING_RECHECKS` rounds,
`MISSING_RECHECK_PAUSE_S` apart), and only a track missing in every round is flagged failed.
A storage error on the way flags nothing, and so does a mass disappearance (a wrong bucket or
prefix looks exactly like that): it is reported for a person to look at.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.utils import timezone

from catalog.media import track_flag_missing_file
from catalog.models import ProcessingStatus, Track
from etl.models import EtlJob, JobStatus, RegistryStatus, S3FileRegistry
from jonquils.storage import bucket_storage, list_keys, object_stat

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


MISSING_RECHECKS = 2
MISSING_RECHECK_PAUSE_S = 1.0
# Above both (or when every ready track of several is missing), missing objects are taken for a
# storage misconfiguration, not for lost files.
MASS_MISSING_MIN = 20
MASS_MISSING_FRACTION = 0.5
_STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


def missing_objects(*, rechecks: int = MISSING_RECHECKS, pause_s: float = MISSING_RECHECK_PAUSE_S) -> dict:
    """Flag ready tracks whose object is confirmed missing (see the module docstring); report what was found."""
    storage = bucket_storage("tracks")
    report = {"checked": False, "ready_tracks": 0, "missing": 0, "flagged_ids": [], "flagged": 0,
              "unverified": 0, "suspected_misconfiguration": False}
    ready = Track.objects.filter(processing_status=ProcessingStatus.READY).exclude(file_path="")
    try:
        listed = set(list_keys(storage))
    except _STORAGE_ERRORS as exc:
        logger.warning("missing_objects: could not list the tracks bucket: %s: %s", type(exc).__name__, exc)
        report["error"] = f"The tracks bucket could not be listed ({type(exc).__name__}); nothing was flagged."
        return report
    candidates = {pk: path for pk, path in ready.values_list("pk", "file_path").iterator() if path not in listed}
    report["checked"], report["ready_tracks"] = True, ready.count()
    total, lost = report["ready_tracks"], len(candidates)
    if (lost >= MASS_MISSING_MIN and lost > MASS_MISSING_FRACTION * total) or (lost == total > 1):
        report["missing"], report["suspected_misconfiguration"] = lost, True
        return report
    unverified: set[int] = set()
    for round_number in range(max(1, rechecks)):
        if not candidates:
            break
        if round_number:
            time.sleep(pause_s)
        for pk, path in list(candidates.items()):
            try:
                present = object_stat(storage, path) is not None
            except _STORAGE_ERRORS:
                present = False
                unverified.add(pk)
            if present:
                del candidates[pk]  # listed late (stored while we listed) or back again
    flagged = [pk for pk, path in sorted(candidates.items())
               if pk not in unverified and track_flag_missing_file(track_id=pk, file_path=path)]
    report.update(missing=len(candidates), flagged=len(flagged), flagged_ids=flagged[:20],
                  unverified=len(unverified & set(candidates)))
    return report


def run_monitoring() -> EtlJob:
    """Run every check once; the job is success when all is well, partial when degraded, failed when down."""
    from jonquils.health import run_checks

    started = EtlJob.objects.create(job_name=MONITORING, status=JobStatus.RUNNING)
    health_status, components = run_checks()
    quality = data_quality()
    missing = missing_objects()
    problems = [name for name, result in components.items() if not result.get("ok")]
    if quality["stuck_processing"]:
        problems.append(f"{quality['stuck_processing']} files stuck in processing for over an hour")
    if quality["failed_last_hour"]:
        problems.append(f"{quality['failed_last_hour']} files failed in the last hour")
    if missing.get("error"):
        problems.append(missing["error"])
    elif missing["suspected_misconfiguration"]:
        problems.append(f"{missing['missing']} of {missing['ready_tracks']} ready tracks have no object in the tracks "
                        "bucket: is the bucket or prefix misconfigured? Nothing was flagged")
    else:
        if missing.get("flagged"):
            problems.append(f"{missing['flagged']} ready tracks lost their audio object and were flagged failed")
        if missing["unverified"]:
            problems.append(f"{missing['unverified']} tracks without a listed object could not be re-checked")
    if health_status not in ("ok", "degraded"):
        status = JobStatus.FAILED
    elif problems:
        status = JobStatus.PARTIAL
    else:
        status = JobStatus.SUCCESS
    started.status, started.end_time = status, timezone.now()
    started.records_failed = quality["failed_last_hour"]
    started.error_message = "; ".join(problems)
    started.details = {"health": {"status": health_status, "components": components}, "data_quality": quality,
                       "missing_objects": missing}
    started.save()
    log = logger.info if status == JobStatus.SUCCESS else logger.warning
    log("system_monitoring: %s%s", status, f" ({started.error_message})" if problems else "",
        extra={"etl_job_id": started.pk, "health": health_status, **{k: v for k, v in quality.items() if k != "stuck_ids"}})
    return started
