"""The reporting period of the analytics endpoints: `from`, `to` (ISO dates, inclusive), `granularity`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone

GRANULARITIES = ("day", "week", "month")
DEFAULT_DAYS = 30
# ClickHouse expressions bucketing a timestamp/date column per granularity (weeks start on Monday).
_BUCKET = {"day": "toDate({col})", "week": "toMonday({col})", "month": "toStartOfMonth({col})"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    granularity: str = "day"

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def end_before(self) -> datetime:
        """The first instant after the period (queries use timestamp < end_before)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bucket(self, column: str) -> str:
        return _BUCKET[self.granularity].format(col=column)

    def params(self) -> dict:
        return {"start": self.start_at, "end": self.end_before, "start_date": self.start, "end_date": self.end}

    def cache_key(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}:{self.granularity}"

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "granularity": self.granularity}


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({field: f"“{value}” is not an ISO date (YYYY-MM-DD)."}) from None


def period_from_query(params, *, today: date | None = None) -> Period:
    """Validate `from`/`to`/`granularity`; default to the last 30 days, by day."""
    today = today or dj_timezone.now().date()
    errors: dict[str, str] = {}
    end = start = None
    try:
        end = _parse_date(params["to"], "to") if params.get("to") else today
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        start = _parse_date(params["from"], "from") if params.get("from") else None
    except ValidationError as exc:
        errors.update(exc.message_dict)
    granularity = params.get("granularity") or "day"
    if granularity not in GRANULARITIES:
        errors["granularity"] = f"Must be one of {', '.join(GRANULARITIES)}."
    if errors:
        raise ValidationError({k: [v] if isinstance(v, str) else v for k, v in errors.items()})
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationError({"from": ["`from` must be on or before `to`."]})
    max_days = settings.ANALYTICS_MAX_PERIOD_DAYS
    if (end - start).days + 1 > max_days:
        raise ValidationError({"to": [f"The period may span at most {max_days} days."]})
    return Period(start=start, end=end, granularity=granularity)
