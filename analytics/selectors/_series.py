"""Helpers shared by the report selectors: zero-filled time series and rates."""
from __future__ import annotations

from datetime import date, timedelta

from ..periods import Period


def bucket_starts(period: Period) -> list[date]:
    """Every bucket start of the period at its granularity, in order."""
    if period.granularity == "day":
        return [period.start + timedelta(days=i) for i in range(period.days)]
    if period.granularity == "week":
        first = period.start - timedelta(days=period.start.weekday())
        return [first + timedelta(weeks=i) for i in range((period.end - first).days // 7 + 1)]
    starts, current = [], period.start.replace(day=1)
    while current <= period.end:
        starts.append(current)
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def fill_series(period: Period, rows: list[dict], *, key: str = "bucket", fields: tuple[str, ...]) -> list[dict]:
    """Turn {bucket: 'YYYY-MM-DD', field: n} rows into one entry per bucket, 0 where absent."""
    by_bucket = {row[key]: row for row in rows}
    return [
        {"date": start.isoformat(), **{f: (by_bucket.get(start.isoformat()) or {}).get(f, 0) for f in fields}}
        for start in bucket_starts(period)
    ]


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
