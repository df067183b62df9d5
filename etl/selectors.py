"""Reads of the ETL bookkeeping for staff (the admin dashboard)."""
from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import EtlJob, TrackUpload, UploadStatus


def uploads_failed_since(*, since: datetime, limit: int = 20) -> QuerySet[TrackUpload]:
    """Failed uploads updated since `since`, newest first, with their uploader."""
    return (TrackUpload.objects.filter(status=UploadStatus.FAILED, updated_at__gte=since)
            .select_related("uploader").order_by("-updated_at", "-id")[:limit])


def etl_jobs_recent(*, limit: int = 5) -> QuerySet[EtlJob]:
    """The last pipeline and monitoring runs, newest first."""
    return EtlJob.objects.order_by("-start_time", "-id")[:limit]
