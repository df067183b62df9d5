"""Keyset ("seek") pagination for the listener pages: no OFFSET, no COUNT(*), equally fast on page 1 and 1,000.

A page is ordered by one sort key plus the primary key; the cursor is the last row's (key, id),
opaque to the browser (URL-safe base64 of JSON). Each page costs one query: LIMIT size + 1 tells
whether another page follows.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None


def _encode(value: Any) -> Any:
    return {"d": value.isoformat()} if isinstance(value, dt.date) else value


def _decode(value: Any) -> Any:
    return dt.date.fromisoformat(value["d"]) if isinstance(value, dict) and "d" in value else value


def cursor_encode(key: Any, pk: int) -> str:
    raw = json.dumps([_encode(key), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[Any, int] | None:
    """(key, pk) from a cursor; None for a missing or unreadable one (the first page, not an error)."""
    if not cursor:
        return None
    try:
        key, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return _decode(key), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def keyset_page(queryset: QuerySet, *, key: str, descending: bool, cursor: str | None, size: int) -> KeysetPage:
    """One page of `queryset` ordered by (key, pk), both ascending or both descending.

    `key` names a field or an annotation of the queryset that is never NULL (annotate a Coalesce
    for nullable columns) so that the tuple comparison is total.
    """
    after = cursor_decode(cursor)
    if descending:
        ordered = queryset.order_by(f"-{key}", "-pk")
        if after is not None:
            ordered = ordered.filter(Q(**{f"{key}__lt": after[0]}) | Q(**{key: after[0], "pk__lt": after[1]}))
    else:
        ordered = queryset.order_by(key, "pk")
        if after is not None:
            ordered = ordered.filter(Q(**{f"{key}__gt": after[0]}) | Q(**{key: after[0], "pk__gt": after[1]}))
    rows = list(ordered[: size + 1])
    if len(rows) <= size:
        return KeysetPage(rows, None)
    rows = rows[:size]
    last = rows[-1]
    return KeysetPage(rows, cursor_encode(_value(last, key), last.pk))


def _value(row, key: str):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value


def seek_filter(order: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after `values` in ORDER BY `order` ((field, descending) pairs, any mix of directions).

    The expansion (a > x) OR (a = x AND b > y) ... is exact; the extra bound on the leading
    field (a >= x) is implied by it and lets PostgreSQL start the index scan at the cursor
    instead of filtering every row before it.
    """
    after = Q()
    for i, (name, descending) in enumerate(order):
        ties = {earlier: values[j] for j, (earlier, _) in enumerate(order[:i])}
        after |= Q(**ties) & Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
    lead, lead_descending = order[0]
    return Q(**{f"{lead}__{'lte' if lead_descending else 'gte'}": values[0]}) & after
