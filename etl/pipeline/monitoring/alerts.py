"""Alerts: upsert while a condition lasts, resolve when its check passes, acknowledge by staff.

Contract: at most one open alert per (source, key) — the partial unique index
`alerts_one_open_per_condition` holds it even when two monitoring runs overlap (the loser of the
insert race updates the winner's row). Every opening and resolution is logged as JSON
(logger `jonquils.alerts`) and, when ALERT_WEBHOOK_URL is set, POSTed by the `etl.alert_webhook`
Celery task after commit.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from etl.models import Alert, AlertSeverity

from .base import Finding

logger = logging.getLogger("jonquils.alerts")


def _notify(alert: Alert, event: str) -> None:
    log = logger.warning if event == "opened" and alert.severity != AlertSeverity.INFO else logger.info
    log("alert %s: [%s] %s:%s %s", event, alert.severity, alert.source, alert.key, alert.message,
        extra={"alert_id": alert.pk, "alert_event": event, "severity": alert.severity, "source": alert.source,
               "key": alert.key, "count": alert.count})
    if settings.ALERT_WEBHOOK_URL:
        from etl.tasks import alert_webhook_task

        alert_id = alert.pk
        # robust: with the broker down (often the very alert being sent) monitoring goes on; the log has it
        transaction.on_commit(lambda: alert_webhook_task.delay(alert_id, event), robust=True)


def alert_upsert(*, source: str, finding: Finding) -> Alert:
    """Open the alert of (source, finding.key), or refresh the open one (last seen, count, message)."""
    now = timezone.now()
    severity = finding.severity if finding.severity in AlertSeverity.values else AlertSeverity.WARNING
    for _attempt in range(3):
        with transaction.atomic():
            alert = (Alert.objects.select_for_update()
                     .filter(source=source, key=finding.key, resolved_at__isnull=True).first())
            if alert is not None:
                alert.message, alert.details, alert.severity = finding.message, finding.details, severity
                alert.last_seen_at, alert.count = now, alert.count + 1
                alert.save(update_fields=["message", "details", "severity", "last_seen_at", "count"])
                return alert
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(source=source, key=finding.key, severity=severity,
                                                 message=finding.message, details=finding.details,
                                                 first_seen_at=now, last_seen_at=now)
            except IntegrityError:
                continue  # another run opened it a moment ago: update that one
            _notify(alert, "opened")
            return alert
    raise RuntimeError(f"the alert {source}:{finding.key} could not be written")


def alerts_resolve(*, source: str, keep_keys: set[str] | frozenset = frozenset()) -> list[Alert]:
    """Resolve the open alerts of `source` whose key is not in `keep_keys` (their condition has passed)."""
    now = timezone.now()
    with transaction.atomic():
        open_alerts = list(Alert.objects.select_for_update().filter(source=source, resolved_at__isnull=True)
                           .exclude(key__in=keep_keys))
        for alert in open_alerts:
            alert.resolved_at = now
            alert.save(update_fields=["resolved_at"])
            _notify(alert, "resolved")
    return open_alerts


def alert_acknowledge(*, alert: Alert, user) -> Alert:
    """Mark an alert seen by a staff member (idempotent: the first acknowledgement is kept)."""
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = user, timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


def alerts_sync(*, source: str, findings: list[Finding]) -> dict:
    """Make the open alerts of `source` exactly its current findings; return what changed."""
    keys = {finding.key for finding in findings}
    kept = [alert_upsert(source=source, finding=finding) for finding in findings]
    resolved = alerts_resolve(source=source, keep_keys=keys)
    return {"open": [a.pk for a in kept], "resolved": [a.pk for a in resolved]}
