"""Request rate limits kept in the cache (Redis): general per user / per IP, strict on login and register.

Rates come from `settings.API_THROTTLE_RATES` (scope -> "N/period", period like `s`, `min`,
`h`, `day` or `15m`), read on every request: DRF's own throttles copy the rates onto a class
attribute at import, so `override_settings` and a changed environment would be ignored.

Counters are fixed windows held with the cache's atomic `add` + `incr`, so concurrent requests
cannot slip past the limit the way a read-modify-write history can.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("jonquils.throttling")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, window in seconds) for "N/period", e.g. "5/min", "100/h", "10/15m"."""
    match = _RATE.match(rate or "")
    if not match:
        raise ValueError(f"invalid throttle rate {rate!r}; expected e.g. '5/min' or '10/15m'")
    count, multiplier, unit = int(match[1]), int(match[2] or 1), match[3].lower()
    if unit[0] not in _UNIT_SECONDS or multiplier < 1:
        raise ValueError(f"invalid throttle period in {rate!r}")
    return count, multiplier * _UNIT_SECONDS[unit[0]]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class CacheRateThrottle(BaseThrottle):
    """Allow `N` requests per window for each key of `get_idents()`; no idents means no limit."""

    scope: str = ""
    # With the cache unreachable: general limits let requests through (the API stays up);
    # the login/register limits refuse them (no unlimited password guessing meanwhile).
    fail_open = True

    def __init__(self):
        self._wait: float | None = None

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope)

    def get_idents(self, request, view) -> list[str]:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = self.get_rate()
        if not rate:
            return True
        limit, window = parse_rate(rate)
        idents = dict.fromkeys(self.get_idents(request, view))
        allowed = True
        try:
            for ident in idents:
                key = f"throttle:{self.scope}:{_digest(ident)}"
                if self._hit(key, window) > limit:
                    allowed = False
                    self._wait = max(self._wait or 0, self._ttl(key, window))
        except Exception:  # noqa: BLE001 - any cache failure; which one does not change the answer
            logger.warning("throttle cache unavailable; scope %s fails %s", self.scope,
                           "open" if self.fail_open else "closed", exc_info=True)
            if not self.fail_open:
                self._wait = window
            return self.fail_open
        return allowed

    @staticmethod
    def _hit(key: str, window: int) -> int:
        for _ in range(3):
            cache.add(key, 0, timeout=window)
            try:
                return cache.incr(key)
            except ValueError:  # expired between add and incr: open a new window
                continue
        return 1

    @staticmethod
    def _ttl(key: str, window: int) -> int:
        ttl = getattr(cache, "ttl", None)
        remaining = ttl(key) if ttl else None
        return max(1, math.ceil(remaining)) if remaining and remaining > 0 else window

    def wait(self) -> float | None:
        return self._wait


class AnonThrottle(CacheRateThrottle):
    """General limit for anonymous clients, per IP address."""

    scope = "anon"

    def get_idents(self, request, view) -> list[str]:
        if request.user and request.user.is_authenticated:
            return []
        return [f"ip:{self.get_ident(request)}"]


class UserThrottle(CacheRateThrottle):
    """General limit for signed-in users, per account."""

    scope = "user"

    def get_idents(self, request, view) -> list[str]:
        if request.user and request.user.is_authenticated:
            return [f"user:{request.user.pk}"]
        return []


class AuthIpThrottle(CacheRateThrottle):
    """Strict limit on login/register attempts from one IP address."""

    scope = "auth_ip"
    fail_open = False

    def get_idents(self, request, view) -> list[str]:
        return [f"ip:{self.get_ident(request)}"]


class AuthAccountThrottle(CacheRateThrottle):
    """Strict limit on login/register attempts naming one account (its username or email).

    A guesser who spreads attempts over many IP addresses still meets this limit.
    """

    scope = "auth_account"
    fail_open = False
    identity_fields = ("username", "email")

    def get_idents(self, request, view) -> list[str]:
        data = request.data
        if not hasattr(data, "get"):
            return []
        idents = []
        for field in self.identity_fields:
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                idents.append(f"{field}:{value.strip().casefold()}")
        return idents


GENERAL_THROTTLES = [AnonThrottle, UserThrottle]
AUTH_THROTTLES = [AuthIpThrottle, AuthAccountThrottle, *GENERAL_THROTTLES]


class _PageRequest:
    """What the auth throttles read from a DRF request, for a plain Django form post."""

    def __init__(self, request, data: dict):
        self._request = request
        self.data = data

    def __getattr__(self, name):
        return getattr(self._request, name)


def auth_attempt_wait(request, *, data: dict) -> float | None:
    """Count a login or sign-up attempt from a page against the API's own limits (same scopes, same keys).

    Returns None when the attempt may go on, else the seconds to wait. `data` names the account
    as the API's body would (`username` or `email`), so the browser is no way around the API's limits.
    """
    page_request = _PageRequest(request, data)
    waits = []
    for throttle_class in (AuthIpThrottle, AuthAccountThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(page_request, None):
            waits.append(throttle.wait() or 1)
    return max(waits) if waits else None
