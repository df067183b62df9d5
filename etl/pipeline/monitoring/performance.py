"""Performance from ClickHouse's api_requests_log: error rate and p95 latency per route, against the settings."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .base import CheckResult, Finding


def check_request_performance() -> CheckResult:
    """Routes over MONITORING_ERROR_RATE_MAX (5xx share) or MONITORING_P95_MS_MAX in the last window.

    Routes with fewer than MONITORING_PERF_MIN_REQUESTS requests in the window are not judged.
    """
    from analytics.clickhouse import ClickHouseError, get_client

    since = timezone.now() - timedelta(seconds=settings.MONITORING_PERF_WINDOW_S)
    try:
        rows = get_client().rows(
            "SELECT endpoint, count() AS requests, countIf(status_code >= 500) AS errors, "
            "quantileExact(0.95)(response_time_ms) AS p95 FROM api_requests_log "
            "WHERE timestamp >= %(since)s GROUP BY endpoint HAVING requests >= %(min)s ORDER BY endpoint",
            {"since": since, "min": settings.MONITORING_PERF_MIN_REQUESTS})
    except ClickHouseError as exc:
        message = f"The request log in ClickHouse could not be read ({type(exc).__name__})."
        return CheckResult({"error": message}, [Finding(message, key="unreadable")], complete=False)
    routes, findings = [], []
    for row in rows:
        requests, errors, p95 = int(row["requests"]), int(row["errors"]), round(float(row["p95"]), 1)
        error_rate = errors / requests if requests else 0.0
        routes.append({"endpoint": row["endpoint"], "requests": requests, "error_rate": round(error_rate, 4),
                       "p95_ms": p95})
        if error_rate > settings.MONITORING_ERROR_RATE_MAX:
            findings.append(Finding(
                f"{row['endpoint']}: {error_rate:.1%} of {requests} requests failed with 5xx "
                f"(limit {settings.MONITORING_ERROR_RATE_MAX:.1%})", key=f"error_rate:{row['endpoint']}",
                severity="critical", details={"requests": requests, "errors": errors}))
        if p95 > settings.MONITORING_P95_MS_MAX:
            findings.append(Finding(
                f"{row['endpoint']}: p95 latency {p95:g} ms over {requests} requests "
                f"(limit {settings.MONITORING_P95_MS_MAX:g} ms)", key=f"p95:{row['endpoint']}",
                details={"requests": requests, "p95_ms": p95}))
    return CheckResult({"window_s": settings.MONITORING_PERF_WINDOW_S, "routes": routes}, findings)
