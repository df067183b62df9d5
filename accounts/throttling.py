"""Request rate limits kept in the cache (Redis): general per user / per IP, strict on sign-in and register.

The strict limits guard every door to a password check: the API login and register, the admin
login (and any sign-in page, through `login_attempt_wait`), and PATCH /auth/me with current_password.

Rates come from `settings.API_THROTTLE_RATES` (scope -> "N/period", period like `s`, `min`,
`h`, `day` or `15m`), read on every request: DRF's own throttles copy the rates onto a class
attribute at import, so `override_settings` and a changed environment would be ignored.

Counters are fixed windows counted by one atomic Redis script per request (open the window,
increment, read its TTL when over), so concurrent requests cannot slip past the limit the way a
read-modify-write history can.
"""
from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
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


# One round trip per counter: open the window if there is none, count the request, and read the
# window's remaining seconds only when the limit is passed. A script runs atomically in Redis, so
# no window can expire between opening and counting (the add + incr pair needed a retry for that).
_HIT_SCRIPT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
local ttl = -1
if count > tonumber(ARGV[2]) then ttl = redis.call('TTL', KEYS[1]) end
return {count, ttl}
"""
_hit_script = None  # redis-py's Script: EVALSHA, loading the script into a server that lacks it


def _hit(key: str, window: int, limit: int) -> tuple[int, int]:
    """(requests counted in the window of `key`, seconds left in it when over `limit`, else -1).

    The key is the cache's own (prefix and version), so `cache.ttl`, `cache.delete` and
    `cache.clear` see the same counters.
    """
    global _hit_script
    client = get_redis_connection()  # looked up per call: an override of CACHES brings another server
    if _hit_script is None:
        _hit_script = client.register_script(_HIT_SCRIPT)
    count, ttl = _hit_script(keys=[cache.make_and_validate_key(key)], args=[window, limit], client=client)
    return int(count), int(ttl)


def throttle_hit(*, scope: str, rate: str, idents, fail_open: bool) -> float | None:
    """Count one request against every ident of `scope`; return seconds to wait, or None if allowed.

    With the cache unreachable, `fail_open` decides: None (let it through) or a whole window.
    """
    limit, window = parse_rate(rate)
    wait = None
    try:
        for ident in dict.fromkeys(idents):
            count, remaining = _hit(f"throttle:{scope}:{_digest(ident)}", window, limit)
            if count > limit:
                wait = max(wait or 0, remaining if remaining > 0 else window)
    except Exception:  # noqa: BLE001 - any cache failure; which one does not change the answer
        logger.warning("throttle cache unavailable; scope %s fails %s", scope, "open" if fail_open else "closed",
                       exc_info=True)
        return None if fail_open else window
    return wait


def account_idents(*names: str | None, email_only: bool = False) -> list[str]:
    """Per-account throttle keys of the login names of one attempt: the account itself when known.

    A known account has one key whichever name (username or email, any case) and whichever
    door (API, admin, profile check) the attempt uses; an unknown name is keyed by itself.
    """
    from .selectors import user_find_by_login

    idents = []
    for name in names:
        if not (isinstance(name, str) and name.strip()):
            continue
        user = None
        if len(name) <= 254 and "\x00" not in name:  # else no account has it (and PostgreSQL refuses NUL)
            user = user_find_by_login(email=name) if email_only else user_find_by_login(login=name)
        idents.append(f"account:{user.pk}" if user is not None else f"name:{name.strip().casefold()}")
    return idents


def client_ip(request) -> str:
    """The client address as the API throttles see it (REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def login_attempt_wait(request, *, login: str | tuple[str, ...] | None) -> float | None:
    """Count a sign-in attempt of a page (admin, web login) as an API login; seconds to wait, or None.

    The same Redis counters as POST /api/v1/auth/login, per client IP and per account named;
    failing closed (a whole window to wait) when the cache is unreachable.
    """
    rates = getattr(settings, "API_THROTTLE_RATES", {})
    waits = []
    if rates.get(AuthIpThrottle.scope):
        waits.append(throttle_hit(scope=AuthIpThrottle.scope, rate=rates[AuthIpThrottle.scope],
                                  idents=[f"ip:{client_ip(request)}"], fail_open=False))
    if rates.get(AuthAccountThrottle.scope) and login:
        waits.append(throttle_hit(scope=AuthAccountThrottle.scope, rate=rates[AuthAccountThrottle.scope],
                                  idents=account_idents(*((login,) if isinstance(login, str) else login)),
                                  fail_open=False))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


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
        self._wait = throttle_hit(scope=self.scope, rate=rate, idents=self.get_idents(request, view),
                                  fail_open=self.fail_open)
        return self._wait is None

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
    """Strict limit on sign-in/register attempts from one IP address."""

    scope = "auth_ip"
    fail_open = False

    def get_idents(self, request, view) -> list[str]:
        return [f"ip:{self.get_ident(request)}"]


class AuthAccountThrottle(CacheRateThrottle):
    """Strict limit on sign-in/register attempts naming one account (by its username or email).

    A guesser who spreads attempts over many IP addresses, or over both names of the account,
    still meets this limit.
    """

    scope = "auth_account"
    fail_open = False

    def get_idents(self, request, view) -> list[str]:
        data = request.data
        if not hasattr(data, "get"):
            return []
        return account_idents(data.get("username")) + account_idents(data.get("email"), email_only=True)


def _checks_current_password(request) -> bool:
    data = request.data
    return request.method == "PATCH" and hasattr(data, "get") and data.get("current_password") not in (None, "")


class PasswordCheckIpThrottle(AuthIpThrottle):
    """The sign-in limit per IP, on the requests that make the server check the current password."""

    def get_idents(self, request, view) -> list[str]:
        return super().get_idents(request, view) if _checks_current_password(request) else []


class PasswordCheckAccountThrottle(AuthAccountThrottle):
    """The sign-in limit of the signed-in account (shared with logins naming it), on current-password checks."""

    def get_idents(self, request, view) -> list[str]:
        user = request.user
        if not (_checks_current_password(request) and user and user.is_authenticated):
            return []
        return [f"account:{user.pk}"]


GENERAL_THROTTLES = [AnonThrottle, UserThrottle]
AUTH_THROTTLES = [AuthIpThrottle, AuthAccountThrottle, *GENERAL_THROTTLES]
PASSWORD_CHECK_THROTTLES = [PasswordCheckIpThrottle, PasswordCheckAccountThrottle, *GENERAL_THROTTLES]


def auth_attempt_wait(request, *, data: dict) -> float | None:
    """Count a sign-in or sign-up attempt of a page against the API's own limits; seconds to wait, or None.

    `data` names the account as the API's body would (`username` and/or `email`), so the
    browser is no way around the API's login limits.
    """
    return login_attempt_wait(request, login=tuple(name for name in (data.get("username"), data.get("email")) if name))
