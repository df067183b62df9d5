from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import ProcessingStatus, Track

from .models import ListeningHistory
from .signals import listen_recorded

# A listen reported further in the future than this (client clock skew) is refused.
MAX_CLOCK_SKEW_S = 300


def listen_record(
    *,
    user,
    track: Track,
    play_duration_ms: int,
    completion_percentage: float,
    platform: str,
    device_type: str,
    played_at: datetime | None = None,
) -> ListeningHistory:
    """Record one listen in PostgreSQL (the source of truth) and announce it after commit."""
    played_at = played_at or timezone.now()
    if (played_at - timezone.now()).total_seconds() > MAX_CLOCK_SKEW_S:
        raise ValidationError({"played_at": "A listen cannot be in the future."})
    if track.processing_status != ProcessingStatus.READY:
        raise ValidationError({"track_id": "This track is not playable yet."})
    listen = ListeningHistory(
        user=user, track=track, played_at=played_at, play_duration_ms=play_duration_ms,
        completion_percentage=completion_percentage, platform=platform, device_type=device_type,
    )
    listen.full_clean()
    with transaction.atomic():
        listen.save()
        transaction.on_commit(lambda: listen_recorded.send(sender=ListeningHistory, listen=listen))
    return listen
