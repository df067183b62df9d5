"""Reads of the ETL bookkeeping for staff (the admin dashboard)."""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import Alert, EtlJob, TrackUpload, UploadStatus


def uploads_failed_since(*, since: datetime, limit: int = 20) -> QuerySet[TrackUpload]:
    """Failed uploads updated since `since`, newest first, with their uploader."""
    return (TrackUpload.objects.filter(status=UploadStatus.FAILED, updated_at__gte=since)
            .select_related("uploader").order_by("-updated_at", "-id")[:limit])


def etl_jobs_recent(*, limit: int = 5) -> QuerySet[EtlJob]:
    """The last pipeline and monitoring runs, newest first."""
    return EtlJob.objects.order_by("-start_time", "-id")[:limit]


def alerts_open(*, limit: int = 10) -> tuple[int, list[Alert]]:
    """How many monitoring alerts are open, and the most severe, most recent of them."""
    from django.db.models import Case, IntegerField, Value, When

    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    rank = Case(When(severity="critical", then=Value(0)), When(severity="warning", then=Value(1)), default=Value(2),
                output_field=IntegerField())
    shown = list(open_alerts.select_related("acknowledged_by").annotate(rank=rank).order_by("rank", "-last_seen_at", "-id")[:limit])
    return open_alerts.count(), shown
