"""Celery tasks of the catalog: thin, they take ids and call a service."""
from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger("jonquils.catalog")


@shared_task(name="catalog.track_reprocess", autoretry_for=(BotoCoreError, ClientError, OperationalError, OSError),
             retry_backoff=True, retry_backoff_max=120, max_retries=3, acks_late=True)
def track_reprocess_task(track_id: int) -> str:
    """Re-read one track's file (tags, features, genre); idempotent."""
    from catalog.models import Track
    from catalog.curation import track_reprocess

    try:
        return track_reprocess(track_id=track_id).processing_status
    except Track.DoesNotExist:
        logger.warning("track %s no longer exists; nothing to re-process", track_id)
        return "missing"
