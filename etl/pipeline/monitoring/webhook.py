"""POST an alert to ALERT_WEBHOOK_URL under the upload-from-URL SSRF rules (catalog/url_fetch.py).

The address is resolved once and checked (public only, unless URL_FETCH_ALLOWED_NETWORKS allows
it; metadata addresses never), the connection goes to that address, redirects are not followed,
and one deadline (ALERT_WEBHOOK_TIMEOUT_S) bounds connect, send and answer together.
"""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from django.conf import settings

from catalog.url_fetch import FetchRefused, _Deadline, _PinnedHTTPConnection, _PinnedHTTPSConnection, check_url


class WebhookFailed(RuntimeError):
    """The receiver could not be reached or did not answer 2xx (worth a retry)."""


def alert_payload(alert, event: str) -> dict:
    return {"event": event, "id": alert.pk, "severity": alert.severity, "source": alert.source, "key": alert.key,
            "message": alert.message, "count": alert.count, "first_seen_at": alert.first_seen_at.isoformat(),
            "last_seen_at": alert.last_seen_at.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None}


def webhook_post(url: str, payload: dict, *, timeout_s: float | None = None) -> int:
    """POST JSON; return the status. FetchRefused: the URL is not allowed (no retry); WebhookFailed: retry."""
    scheme, host, port, address = check_url(url)
    deadline = _Deadline(settings.ALERT_WEBHOOK_TIMEOUT_S if timeout_s is None else timeout_s)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address=address, timeout=max(0.01, deadline.remaining()))
    watchdog = deadline.watch(conn)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(payload).encode()
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                       "User-Agent": "JONQUILS-alerts/1"})
        response = conn.getresponse()
        response.read(64 * 1024)
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailed(f"the alert webhook could not be reached ({type(exc).__name__})") from exc
    finally:
        watchdog.cancel()
        conn.close()
    if not 200 <= response.status < 300:
        raise WebhookFailed(f"the alert webhook answered HTTP {response.status}")
    return response.status


__all__ = ["FetchRefused", "WebhookFailed", "alert_payload", "webhook_post"]
