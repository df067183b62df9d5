"""Data-quality checks: one function each, returning a CheckResult (report + findings).

Thresholds come from the settings (MONITORING_*). A check that cannot look (storage or ClickHouse
down) returns `complete=False`, so the alerts it raised earlier stay as they are.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from catalog.media import MISSING_FILE_ERROR
from catalog.models import ProcessingStatus, Track
from etl.models import RegistryStatus, S3FileRegistry

from .base import CheckResult, Finding
from .missing import _STORAGE_ERRORS, missing_objects

logger = logging.getLogger("jonquils.etl")
SAMPLE = 20  # ids kept in a report or an alert's details


def check_stuck_processing() -> CheckResult:
    """Registry rows in `processing` for longer than MONITORING_STUCK_AFTER_S."""
    limit = timedelta(seconds=settings.MONITORING_STUCK_AFTER_S)
    stuck = S3FileRegistry.objects.filter(status=RegistryStatus.PROCESSING, updated_at__lt=timezone.now() - limit)
    ids = list(stuck.order_by("id").values_list("id", flat=True)[:SAMPLE])
    count = stuck.count() if len(ids) == SAMPLE else len(ids)
    report = {"stuck_processing": count, "stuck_ids": ids,
              "pending": S3FileRegistry.objects.filter(status=RegistryStatus.PENDING).count()}
    findings = [Finding(f"{count} files stuck in processing for over {limit.total_seconds() / 60:g} minutes",
                        details={"registry_ids": ids})] if count else []
    return CheckResult(report, findings)


def check_recent_failures() -> CheckResult:
    """Files the pipeline failed on within MONITORING_FAILED_WINDOW_S."""
    window = timedelta(seconds=settings.MONITORING_FAILED_WINDOW_S)
    failed = S3FileRegistry.objects.filter(status=RegistryStatus.FAILED, updated_at__gte=timezone.now() - window)
    count = failed.count()
    findings = [Finding(f"{count} files failed in the last {window.total_seconds() / 60:g} minutes",
                        details={"registry_ids": list(failed.order_by("id").values_list("id", flat=True)[:SAMPLE])})
                ] if count else []
    return CheckResult({"failed_recently": count}, findings)


def check_missing_objects() -> CheckResult:
    """Ready tracks whose object is gone (flagged failed by missing_objects), and tracks so flagged before."""
    report = missing_objects()
    if report.get("error"):
        return CheckResult(report, [Finding(report["error"], key="unlisted")], complete=False)
    findings = []
    if report["suspected_misconfiguration"]:
        findings.append(Finding(
            f"{report['missing']} of {report['ready_tracks']} ready tracks have no object in the tracks bucket: "
            "is the bucket or prefix misconfigured? Nothing was flagged", key="misconfiguration", severity="critical"))
    if report["unverified"]:
        findings.append(Finding(f"{report['unverified']} tracks without a listed object could not be re-checked",
                                key="unverified"))
    lost = Track.objects.filter(processing_status=ProcessingStatus.FAILED, processing_error=MISSING_FILE_ERROR)
    lost_ids = list(lost.order_by("id").values_list("id", flat=True)[:SAMPLE])
    if lost_ids:
        total = lost.count()
        findings.append(Finding(f"{total} ready tracks lost their audio object and were flagged failed", key="lost",
                                details={"track_ids": lost_ids}))
    return CheckResult(report, findings)


def check_orphan_objects() -> CheckResult:
    """Objects in the tracks bucket that neither a track nor the registry knows, older than the extract age."""
    from etl.pipeline.extract import NON_ORIGINAL_PREFIXES, iter_objects
    from jonquils.storage import bucket_storage

    cutoff = timezone.now() - timedelta(seconds=max(settings.ETL_EXTRACT_MIN_AGE_S, 0))
    orphans: list[str] = []
    listed = 0
    try:
        batch: list[str] = []
        for obj in iter_objects(bucket_storage("tracks")):
            if obj.key.startswith(NON_ORIGINAL_PREFIXES) or obj.modified_at > cutoff:
                continue
            listed += 1
            batch.append(obj.key)
            if len(batch) >= 1000:
                orphans += _unknown_keys(batch)
                batch = []
        orphans += _unknown_keys(batch)
    except _STORAGE_ERRORS as exc:
        message = f"The tracks bucket could not be listed ({type(exc).__name__})."
        return CheckResult({"checked": False, "error": message}, [Finding(message, key="unlisted")], complete=False)
    report = {"checked": True, "objects": listed, "orphans": len(orphans), "orphan_keys": sorted(orphans)[:SAMPLE]}
    findings = [Finding(f"{len(orphans)} objects in the tracks bucket belong to no track and were never registered",
                        details={"keys": report["orphan_keys"]})] if orphans else []
    return CheckResult(report, findings)


def _unknown_keys(keys: list[str]) -> list[str]:
    if not keys:
        return []
    known = set(Track.objects.filter(file_path__in=keys).values_list("file_path", flat=True))
    known |= set(S3FileRegistry.objects.filter(bucket_name="tracks", file_path__in=keys)
                 .exclude(status=RegistryStatus.PROCESSED, track__isnull=True).values_list("file_path", flat=True))
    return [key for key in keys if key not in known]


def check_ready_without_features() -> CheckResult:
    """Ready tracks the audio analysis never gave features (tempo, energy, feature vector)."""
    rows = Track.objects.filter(processing_status=ProcessingStatus.READY, feature_vector__isnull=True)
    ids = list(rows.order_by("id").values_list("id", flat=True)[:SAMPLE])
    count = rows.count() if len(ids) == SAMPLE else len(ids)
    findings = [Finding(f"{count} ready tracks have no audio features", details={"track_ids": ids})] if count else []
    return CheckResult({"ready_without_features": count, "track_ids": ids}, findings)


def check_playlist_positions() -> CheckResult:
    """Playlists whose entry positions are not exactly 0..n-1 (the dense order playlists/services.py keeps)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT playlist_id FROM playlist_tracks GROUP BY playlist_id "
            "HAVING MIN(position) <> 0 OR MAX(position) <> COUNT(*) - 1 ORDER BY playlist_id LIMIT %s", [SAMPLE])
        ids = [row[0] for row in cursor.fetchall()]
    findings = [Finding(f"{len(ids)}{'+' if len(ids) == SAMPLE else ''} playlists have gaps in their positions",
                        details={"playlist_ids": ids})] if ids else []
    return CheckResult({"playlists_not_dense": len(ids), "playlist_ids": ids}, findings)


def check_listens_in_clickhouse() -> CheckResult:
    """Listens older than MONITORING_LISTEN_LAG_S (and within the window) whose play event ClickHouse lacks."""
    from analytics.clickhouse import ClickHouseError, get_client
    from analytics.events import listen_event_id
    from analytics.models import ListeningHistory

    now = timezone.now()
    listens = list(ListeningHistory.objects.filter(
        played_at__lt=now - timedelta(seconds=settings.MONITORING_LISTEN_LAG_S),
        played_at__gte=now - timedelta(seconds=settings.MONITORING_LISTEN_WINDOW_S),
    ).order_by("-played_at").only("id", "user_id", "track_id", "played_at")[:settings.MONITORING_LISTEN_SAMPLE])
    if not listens:
        return CheckResult({"checked": 0, "missing": 0})
    ids = {listen_event_id(listen, "play"): listen.pk for listen in listens}
    try:
        found = get_client().rows(
            "SELECT toString(event_id) AS id FROM track_analytics "
            "WHERE action = 'play' AND timestamp >= %(since)s AND toString(event_id) IN %(ids)s",
            {"since": min(listen.played_at for listen in listens) - timedelta(minutes=1), "ids": tuple(ids)})
    except ClickHouseError as exc:
        message = f"ClickHouse could not be asked about recent listens ({type(exc).__name__})."
        return CheckResult({"checked": 0, "error": message}, [Finding(message, key="unreachable")], complete=False)
    missing = sorted(pk for event_id, pk in ids.items() if event_id not in {row["id"] for row in found})
    report = {"checked": len(ids), "missing": len(missing), "listen_ids": missing[:SAMPLE]}
    findings = [Finding(f"{len(missing)} of the last {len(ids)} listens older than "
                        f"{settings.MONITORING_LISTEN_LAG_S / 60:g} minutes are not in ClickHouse",
                        details={"listen_ids": missing[:SAMPLE]})] if missing else []
    return CheckResult(report, findings)
