"""Log every /api/ request into the analytics buffer: route template, status, latency, user."""
from __future__ import annotations

import re
import time
import uuid

from .buffer import push_quietly
from .events import request_row

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def route_template(route: str) -> str:
    """Normalise a resolver route (path() or regex) to `/api/v1/tracks/<pk>`: one name per endpoint."""
    route = _NAMED_GROUP.sub(lambda m: f"<{m.group(1)}>", route)
    route = route.replace("\\Z", "").replace("^", "").replace("$", "").replace("/?", "/")
    route = re.sub(r"<\w+:(\w+)>", r"<\1>", route)
    return "/" + route.strip("/")


def _route(request) -> str:
    """The resolver's route template, never the raw path (ids would explode the cardinality)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "<unmatched>"
    return route_template(match.route)


class RequestLogMiddleware:
    """One Redis append per API request after the response is built; ClickHouse is never awaited."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers.setdefault("X-Request-ID", request_id)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else 0
        push_quietly([("api_requests_log", request_row(
            request_id=request_id, user_id=user_id, method=request.method, endpoint=_route(request),
            status_code=response.status_code, response_time_ms=elapsed_ms,
            user_agent=request.headers.get("User-Agent", ""), ip=request.META.get("REMOTE_ADDR", ""),
        ))])
        return response
