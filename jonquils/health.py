"""Component checks for GET /health; each returns latency and raises on failure."""
from __future__ import annotations

import time
import uuid
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection


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


def run_checks() -> tuple[str, dict]:
    """Run every configured check; return the overall status and the per-component results."""
    components: dict[str, dict] = {}
    required_down = optional_down = False
    for name, dotted, required in settings.HEALTH_CHECKS:
        module_name, _, func_name = dotted.rpartition(".")
        started = time.perf_counter()
        try:
            extra = getattr(import_module(module_name), func_name)() or {}
            components[name] = {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1), **extra}
        except Exception as exc:  # noqa: BLE001 - any failure is a down component, reported not raised
            components[name] = {
                **(getattr(exc, "details", None) or {}),
                "ok": False,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                "required": required,
                "error": f"{type(exc).__name__}: {str(exc)[:200]}",
            }
            required_down |= required
            optional_down |= not required
    status = "down" if required_down else "degraded" if optional_down else "ok"
    return status, components
