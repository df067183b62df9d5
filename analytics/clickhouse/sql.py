"""Render `%(name)s` parameters into SQL literals, the same way for chDB and a ClickHouse server.

Rendering on our side (not the server's parameter syntax) keeps one SQL text for both
backends and lets the owner process receive plain SQL over its socket.
"""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timezone
from enum import Enum

_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\b": "\\b", "\f": "\\f"}


def literal(value) -> str:
    """Return a ClickHouse literal for one Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot send a non-finite float ({value}) to ClickHouse")
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return "'%s'" % value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, date):
        return "'%s'" % value.isoformat()
    if isinstance(value, uuid.UUID):
        return "'%s'" % value
    if isinstance(value, Enum):
        return literal(value.value)
    if isinstance(value, str):
        return "'%s'" % "".join(_ESCAPES.get(c, c) for c in value)
    if isinstance(value, tuple):  # a tuple literal (also the right-hand side of IN)
        return "(%s)" % ", ".join(literal(v) for v in value) if len(value) != 1 else "(%s,)" % literal(value[0])
    if isinstance(value, (list, set, frozenset)):
        return "[%s]" % ", ".join(literal(v) for v in value)
    raise TypeError(f"no ClickHouse literal for {type(value).__name__}")


def render(sql: str, params: dict | None = None) -> str:
    """Substitute `%(name)s` placeholders with literals; `%%` stays a literal percent sign."""
    return sql % {name: literal(value) for name, value in (params or {}).items()}
