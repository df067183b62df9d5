"""Component checks for GET /health; each returns latency and raises on failure.

/health/live answers without I/O; /health/ready runs the required checks, cached (readiness());
/health gives the full report to staff or to `Authorization: Bearer <HEALTH_TOKEN>`, and to
everyone else only the status and which components are ok.
"""
from __future__ import annotations

import threading
import time
import uuid
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections


class ComponentUnhealthy(RuntimeError):
    """A check's failure that still reports what it measured (`details` join the component's answer)."""

    def __init__(self, message: str, *, details: dict):
        super().__init__(message)
        self.details = details


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)
    return {}


def check_storage() -> dict:
    name = default_storage.save(f"temp/health-{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise RuntimeError("storage did not return what was written")
    finally:
        default_storage.delete(name)
    return {}


def check_worker() -> dict:
    from jonquils.celery import app

    replies = app.control.ping(timeout=settings.HEALTH_WORKER_TIMEOUT_S)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return {"workers": len(replies)}


def _run_one(dotted: str) -> dict:
    module_name, _, func_name = dotted.rpartition(".")
    started = time.perf_counter()
    extra = getattr(import_module(module_name), func_name)() or {}
    return {"latency_ms": round((time.perf_counter() - started) * 1000, 1), **extra}


def _in_thread(dotted: str, outcome: dict) -> None:
    try:
        outcome["extra"] = _run_one(dotted)
    except BaseException as exc:  # noqa: BLE001 - reported, not raised
        outcome["error"] = exc
    finally:
        connections.close_all()  # this thread's own database connection


def run_checks(*, checks: list | None = None) -> tuple[str, dict]:
    """Run every configured check at once, each for at most HEALTH_CHECK_TIMEOUT_S; return status and results.

    A check still running at its deadline counts as down: /health answers within the timeout
    even when a server accepts connections but never answers. Its thread ends on its own
    (every client below has a bounded timeout too).
    """
    timeout = float(getattr(settings, "HEALTH_CHECK_TIMEOUT_S", 3.0))
    started = time.perf_counter()
    runs = []
    for name, dotted, required in (settings.HEALTH_CHECKS if checks is None else checks):
        outcome: dict = {}
        thread = threading.Thread(target=_in_thread, args=(dotted, outcome), name=f"health-{name}", daemon=True)
        thread.start()
        runs.append((name, required, thread, outcome))
    components: dict[str, dict] = {}
    required_down = optional_down = False
    for name, required, thread, outcome in runs:
        thread.join(max(0.0, timeout - (time.perf_counter() - started)))
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if thread.is_alive():
            outcome = {"error": TimeoutError(f"no answer within {timeout:g} s")}
        if "error" not in outcome:
            components[name] = {"ok": True, "latency_ms": latency_ms, **outcome["extra"]}
            continue
        exc = outcome["error"]
        components[name] = {
            **(getattr(exc, "details", None) or {}),
            "ok": False,
            "latency_ms": latency_ms,
            "required": required,
            "error": f"{type(exc).__name__}: {str(exc)[:200]}",
        }
        required_down |= required
        optional_down |= not required
    status = "down" if required_down else "degraded" if optional_down else "ok"
    return status, components


# --- Who sees what, and the cached readiness answer (issue 16) -----------------------------

def token_matches(request, expected: str) -> bool:
    """True when the request carries `Authorization: Bearer <expected>` (compared in constant time)."""
    import hmac

    if not expected:
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def public_components(components: dict) -> dict:
    """What anyone may see of a report: each component's name and whether it is ok — no error strings,
    socket paths, hosts or latencies."""
    return {name: {"ok": bool(result.get("ok"))} for name, result in components.items()}


_ready_lock = threading.Lock()
_ready_cache: dict = {"at": float("-inf"), "answer": None}


def readiness() -> tuple[bool, dict]:
    """Whether every required component answers, from one shared check at most every HEALTH_READY_CACHE_S.

    Per process, in memory (not the cache server: Redis may be what is down). A poll while the check
    runs waits for it instead of starting another, so a load balancer costs one check per interval.
    """
    ttl = float(settings.HEALTH_READY_CACHE_S)
    with _ready_lock:
        now = time.monotonic()
        if _ready_cache["answer"] is None or now - _ready_cache["at"] >= ttl:
            required = [check for check in settings.HEALTH_CHECKS if check[2]]
            status, components = run_checks(checks=required)
            _ready_cache.update(at=time.monotonic(), answer=(status == "ok", public_components(components)))
        return _ready_cache["answer"]


def readiness_forget() -> None:
    """Drop the cached readiness answer (tests, and a settings change)."""
    with _ready_lock:
        _ready_cache.update(at=float("-inf"), answer=None)
