"""A component down mid-request answers 503 in the error format, quickly, never a 500.

`outage_of(exc)` names the component an exception says is unreachable (the cache/broker Redis,
PostgreSQL, object storage) or None. The REST API's exception handler and `OutageMiddleware`
(every other view: pages, admin, /health) turn it into
`503 {"error": "<component>_unavailable", "detail": ..., "fields": {}}` with Retry-After. Nothing
is retried here: each client already has a bounded timeout (settings: *_TIMEOUT_S).
"""
from __future__ import annotations

import logging

from django.http import JsonResponse

logger = logging.getLogger("jonquils.outages")
RETRY_AFTER_S = 5
DETAILS = {
    "cache": "The cache is unavailable for a moment; retry in a few seconds.",
    "database": "The database is unavailable for a moment; retry in a few seconds.",
    "storage": "File storage is unavailable for a moment; retry in a few seconds.",
}


def outage_of(exc: BaseException) -> str | None:
    """The component an exception (or one it was raised from) says is down, else None."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
    from django.db import InterfaceError, OperationalError
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)):
            return "cache"
        if isinstance(exc, (OperationalError, InterfaceError)):
            return "database"
        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, BotoConnectionError)):
            return "storage"
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def outage_body(component: str) -> dict:
    return {"error": f"{component}_unavailable", "detail": DETAILS[component], "fields": {}}


class OutageMiddleware:
    """Turn an unreachable component's exception in a non-DRF view into a quick 503 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except Exception as exc:
            component = outage_of(exc)
            if component is None:
                raise
            return self._answer(request, exc, component)

    def process_exception(self, request, exc):
        component = outage_of(exc)
        return None if component is None else self._answer(request, exc, component)

    def _answer(self, request, exc, component):
        logger.warning("%s unavailable answering %s: %s", component, request.path, type(exc).__name__)
        return JsonResponse(outage_body(component), status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
