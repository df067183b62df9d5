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
