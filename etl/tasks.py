"""Celery tasks of the ETL app: thin, they take ids and call a service."""
from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from django.db import OperationalError

from etl.models import TrackUpload

logger = logging.getLogger("jonquils.etl")


@shared_task(name="etl.process_upload", bind=True, autoretry_for=(BotoCoreError, ClientError, OperationalError, OSError),
             retry_backoff=True, retry_backoff_max=120, max_retries=5, acks_late=True)
def process_upload_task(self, upload_id: int) -> str:
    """Process one upload (idempotent: a repeated or late delivery changes nothing)."""
    from etl.services import upload_process

    try:
        upload = upload_process(upload_id=upload_id)
    except TrackUpload.DoesNotExist:
        logger.warning("upload %s no longer exists; nothing to process", upload_id)
        return "missing"
    return upload.status


@shared_task(name="etl.fetch_upload_url", bind=True, autoretry_for=(BotoCoreError, ClientError, OperationalError),
             retry_backoff=True, retry_backoff_max=120, max_retries=3, acks_late=True)
def fetch_upload_url_task(self, upload_id: int) -> str:
    """Download a URL upload and store it (idempotent: a live or finished download is left alone)."""
    from etl.services import upload_fetch

    try:
        upload = upload_fetch(upload_id=upload_id)
    except TrackUpload.DoesNotExist:
        logger.warning("upload %s no longer exists; nothing to fetch", upload_id)
        return "missing"
    return upload.status


@shared_task(name="etl.sweep_stale_uploads")
def sweep_stale_uploads_task() -> dict:
    """Queue again the uploads whose task never ran or whose worker died (every few minutes from beat)."""
    from etl.services import upload_sweep_stale

    return upload_sweep_stale()


@shared_task(name="etl.music_etl_pipeline")
def music_etl_pipeline_task(limit: int | None = None, job_id: int | None = None) -> dict:
    """Run the whole pipeline once (the hourly beat entry, or staff's "run now" with its job row); return id and status."""
    from etl.pipeline.run import run_pipeline

    job = run_pipeline(limit=limit, job_id=job_id)
    return {"etl_job_id": job.pk, "status": job.status}


@shared_task(name="etl.system_monitoring")
def system_monitoring_task() -> dict:
    """Run the health and data-quality checks once (every 15 minutes from beat)."""
    from etl.pipeline.monitoring import run_monitoring

    job = run_monitoring()
    return {"etl_job_id": job.pk, "status": job.status}


@shared_task(name="etl.alert_webhook", bind=True, max_retries=5, acks_late=True, soft_time_limit=30, time_limit=40)
def alert_webhook_task(self, alert_id: int, event: str) -> str:
    """POST one alert event to ALERT_WEBHOOK_URL; retried with backoff when the receiver fails, never when refused."""
    from django.conf import settings

    from etl.models import Alert
    from etl.pipeline.monitoring.webhook import FetchRefused, WebhookFailed, alert_payload, webhook_post

    if not settings.ALERT_WEBHOOK_URL:
        return "disabled"
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return "missing"
    try:
        webhook_post(settings.ALERT_WEBHOOK_URL, alert_payload(alert, event))
    except FetchRefused as exc:
        logger.error("alert webhook refused: %s", exc, extra={"alert_id": alert_id})
        return "refused"
    except WebhookFailed as exc:
        raise self.retry(exc=exc, countdown=min(2 ** self.request.retries, 60))
    return "sent"
