"""The platform report (admins): active users, registrations, plays, searches, API health."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from ..clickhouse import get_client
from ..periods import Period
from ._series import fill_series, rate

_IN_PERIOD = "timestamp >= %(start)s AND timestamp < %(end)s"
_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}

# A user is active in a bucket when they played, searched, logged in (user_analytics) or
# called the API while authenticated (api_requests_log).
_ACTIVITY = f"""
    SELECT timestamp, user_id FROM track_analytics WHERE action = 'play' AND user_id != 0 AND {_IN_PERIOD}
    UNION ALL
    SELECT timestamp, user_id FROM search_analytics WHERE user_id != 0 AND {_IN_PERIOD}
    UNION ALL
    SELECT timestamp, user_id FROM user_analytics WHERE user_id != 0 AND {_IN_PERIOD}
    UNION ALL
    SELECT timestamp, user_id FROM api_requests_log WHERE user_id != 0 AND {_IN_PERIOD}
"""
_ACTIVE_USERS = f"""
SELECT toString({{bucket}}) AS bucket, uniqExact(user_id) AS active_users FROM ({_ACTIVITY})
GROUP BY bucket ORDER BY bucket
"""


def _active_users(client, period: Period) -> tuple[list[dict], int]:
    rows = client.rows(_ACTIVE_USERS.format(bucket=period.bucket("timestamp")), period.params())
    total = client.scalar(f"SELECT uniqExact(user_id) FROM ({_ACTIVITY})", period.params())
    return fill_series(period, rows, fields=("active_users",)), int(total or 0)


def _registrations(period: Period) -> list[dict]:
    """New accounts per bucket, from PostgreSQL (users.created_at)."""
    trunc = _TRUNC[period.granularity]("created_at")
    rows = (
        get_user_model().objects.filter(created_at__gte=period.start_at, created_at__lt=period.end_before)
        .annotate(bucket=trunc).values("bucket").annotate(n=Count("id")).order_by("bucket")
    )
    return fill_series(period, [{"bucket": r["bucket"].date().isoformat(), "registrations": r["n"]} for r in rows],
                       fields=("registrations",))


def _api_endpoints(client, period: Period) -> list[dict]:
    rows = client.rows(
        "SELECT endpoint, count() AS requests, countIf(status_code >= 500) AS server_errors, "
        "countIf(status_code >= 400 AND status_code < 500) AS client_errors, "
        "quantilesExact(0.5, 0.95, 0.99)(response_time_ms) AS q "
        f"FROM api_requests_log WHERE {_IN_PERIOD} GROUP BY endpoint ORDER BY requests DESC, endpoint",
        period.params())
    return [
        {
            "endpoint": r["endpoint"], "requests": int(r["requests"]),
            "server_errors": int(r["server_errors"]), "client_errors": int(r["client_errors"]),
            "error_rate": rate(int(r["server_errors"]), int(r["requests"])),
            "p50_ms": round(float(r["q"][0]), 3), "p95_ms": round(float(r["q"][1]), 3), "p99_ms": round(float(r["q"][2]), 3),
        }
        for r in rows
    ]


def platform_report(*, period: Period, top: int = 10) -> dict:
    client = get_client()
    params = period.params()
    active_series, active_total = _active_users(client, period)
    plays = client.rows(
        f"SELECT toString({period.bucket('timestamp')}) AS bucket, count() AS plays FROM track_analytics "
        f"WHERE action = 'play' AND {_IN_PERIOD} GROUP BY bucket ORDER BY bucket", params)
    searches = client.rows(
        f"SELECT toString({period.bucket('timestamp')}) AS bucket, count() AS searches FROM search_analytics "
        f"WHERE clicked_result_id = 0 AND {_IN_PERIOD} GROUP BY bucket ORDER BY bucket", params)
    zero = client.rows(
        "SELECT lowerUTF8(trimBoth(query)) AS q, count() AS searches FROM search_analytics "
        f"WHERE clicked_result_id = 0 AND results_count = 0 AND {_IN_PERIOD} "
        "GROUP BY q ORDER BY searches DESC, q LIMIT %(top)s", {**params, "top": top})
    endpoints = _api_endpoints(client, period)
    requests = sum(e["requests"] for e in endpoints)
    server_errors = sum(e["server_errors"] for e in endpoints)
    plays_series = fill_series(period, plays, fields=("plays",))
    searches_series = fill_series(period, searches, fields=("searches",))
    return {
        "period": period.as_dict(),
        "active_users": active_total,
        "active_users_over_time": active_series,
        "new_registrations": _registrations(period),
        "plays": sum(p["plays"] for p in plays_series),
        "plays_over_time": plays_series,
        "searches": sum(s["searches"] for s in searches_series),
        "searches_over_time": searches_series,
        "top_zero_result_queries": [{"query": z["q"], "searches": int(z["searches"])} for z in zero],
        "api": {"requests": requests, "server_errors": server_errors, "error_rate": rate(server_errors, requests),
                "endpoints": endpoints},
    }


def plays_since(*, start) -> int:
    """Plays recorded in ClickHouse since `start` (the staff dashboard's "listens today")."""
    return int(get_client().scalar(
        "SELECT count() FROM track_analytics WHERE action = 'play' AND timestamp >= %(start)s", {"start": start}) or 0)
