"""Who calls: u+p (plain or enc:), u+t+s, or the OpenSubsonic apiKey; failed attempts throttled like API logins."""
from __future__ import annotations

from accounts.subsonic_credentials import (
    SubsonicApiKeyInvalid,
    SubsonicAuthFailed,
    subsonic_authenticate,
    subsonic_user_by_api_key,
)
from accounts.throttling import client_ip, login_attempt_wait

from .envelope import CONFLICTING_AUTH, INVALID_API_KEY, WRONG_CREDENTIALS, SubsonicError, missing


def authenticate(request, params):
    """The user the parameters identify; SubsonicError 10/40/43/44 otherwise.

    Every attempt with a secret counts against the login limits only when it fails, so a
    wrong password costs as much as a wrong API login while a working app is never slowed.
    """
    api_key = params.get("apiKey")
    username = params.get("u")
    if api_key is not None:
        if username or "p" in params or "t" in params:
            raise SubsonicError(CONFLICTING_AUTH, "Give either apiKey or u with p or t+s, not both.")
        _refuse_if_throttled(request, login=None)
        try:
            return subsonic_user_by_api_key(api_key=api_key)
        except SubsonicApiKeyInvalid as exc:
            _count_failure(request, login=None)
            raise SubsonicError(INVALID_API_KEY, str(exc)) from exc
    if not username:
        raise missing("u")
    has_p, has_t = "p" in params, "t" in params
    if has_p and has_t:
        raise SubsonicError(CONFLICTING_AUTH, "Give either p or t and s, not both.")
    if not (has_p or has_t):
        raise missing("p")
    if has_t and "s" not in params:
        raise missing("s")
    _refuse_if_throttled(request, login=username)
    try:
        if has_t:
            return subsonic_authenticate(username=username, token=params.get("t"), salt=params.get("s"))
        return subsonic_authenticate(username=username, password=params.get("p"))
    except SubsonicAuthFailed as exc:
        _count_failure(request, login=username)
        raise SubsonicError(WRONG_CREDENTIALS, str(exc)) from exc


def _throttle_keys(request, login) -> list[str]:
    keys = [f"subsonic-throttled:ip:{client_ip(request)}"]
    if login:
        keys.append(f"subsonic-throttled:login:{login.casefold()[:150]}")
    return keys


def _refuse_if_throttled(request, *, login) -> None:
    from django.core.cache import cache

    try:
        blocked = max((cache.get(key) or 0 for key in _throttle_keys(request, login)), default=0)
    except Exception:  # noqa: BLE001 - the counter itself fails closed in _count_failure
        blocked = None
    if blocked:
        raise SubsonicError(WRONG_CREDENTIALS, f"Too many failed sign-ins; try again in {int(blocked)} s.")


def _count_failure(request, *, login) -> None:
    """Audit a failed attempt and count it on the API login counters; once over the limit, refuse for the wait."""
    from django.core.cache import cache

    from accounts import audit
    from accounts.models import AuditAction

    audit.record(action=AuditAction.LOGIN_FAILED, request=request, target_username=(login or "")[:150],
                 via="subsonic-api-key" if login is None else "subsonic")

    wait = login_attempt_wait(request, login=login)
    if wait:
        try:
            for key in _throttle_keys(request, login):
                cache.set(key, wait, timeout=int(wait) + 1)
        except Exception:  # noqa: BLE001
            pass
