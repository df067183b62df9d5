"""Signal receivers: turn domain events into buffered analytics events (enqueue only)."""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import buffer
from .events import listen_events, record_user_event
from .signals import listen_recorded


@receiver(listen_recorded, dispatch_uid="analytics.listen_to_clickhouse")
def listen_to_clickhouse(sender, listen, **kwargs):
    """Queue the listen's play (and complete/skip) events; sent after the listen's commit."""
    buffer.push_quietly(listen_events(listen))


@receiver(user_logged_in, dispatch_uid="analytics.login_to_clickhouse")
def login_to_clickhouse(sender, request, user, **kwargs):
    record_user_event(user_id=user.pk, action="login")
