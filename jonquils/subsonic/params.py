"""Request parameters of a Subsonic call: the query string and a form body merged (formPost)."""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from .envelope import MISSING_PARAMETER, SubsonicError, missing, not_found

MAX_INT = 2**31 - 1


class Params:
    def __init__(self, request):
        merged: dict[str, list[str]] = {}
        sources = [request.GET]
        self.body_error: str | None = None
        if request.method == "POST":
            try:
                sources.append(request.POST)
            except Exception as exc:  # noqa: BLE001 - too many fields, too large, bad encoding
                self.body_error = f"The form body could not be read ({type(exc).__name__}): send fewer or smaller fields."
        for source in sources:
            for key in source:
                merged.setdefault(key, []).extend(source.getlist(key))
        self._values = merged

    def __contains__(self, name: str) -> bool:
        return bool(self._values.get(name))

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name)
        return values[0] if values else default

    def list(self, name: str) -> list[str]:
        return [v for v in self._values.get(name, []) if v != ""]

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def int(self, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise SubsonicError(MISSING_PARAMETER, f"Parameter '{name}' must be an integer, not {value[:40]!r}.") from None
        if not minimum <= number <= maximum:
            raise SubsonicError(MISSING_PARAMETER, f"Parameter '{name}' must be from {minimum} to {maximum}.")
        return number

    def required_int(self, name: str, **bounds) -> int:
        if name not in self:
            raise missing(name)
        return self.int(name, **bounds)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return default
        return value.lower() in ("true", "1", "yes")

    def epoch_ms(self, name: str) -> datetime | None:
        number = self.int(name, maximum=2**53)
        return datetime.fromtimestamp(number / 1000, tz=dt_timezone.utc) if number is not None else None


def parse_id(value: str, prefix: str = "", *, what: str = "Item") -> int:
    """The database id in a Subsonic id ("12", "al-12"); NOT_FOUND for anything else."""
    text = value or ""
    if prefix:
        if not text.startswith(prefix):
            raise not_found(what)
        text = text[len(prefix):]
    if not text.isdigit() or len(text) > 18:
        raise not_found(what)
    return int(text)
