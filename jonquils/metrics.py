"""Prometheus metrics at /metrics (prometheus-client), safe under gunicorn's several processes.

Multiprocess: when PROMETHEUS_MULTIPROC_DIR is set (jonquils/gunicorn_conf.py, the compose file and
`make run` set it), every process writes its counters to files there and a scrape sums them
(`MultiProcessCollector`); gunicorn's child_exit marks a dead worker's gauges. Without it (tests,
`runserver`) the process's own registry answers.

What is counted: HTTP requests and latency by route template and status (never the raw path), SQL
queries per request, Celery tasks by name and state with durations (signals in the worker), active
streams and transcodes. Read at scrape time, not counted: the cache's hits and misses (Redis INFO),
ETL files by registry status, the analytics buffer's depth and drain lag.

Not public: /metrics answers only to METRICS_ALLOWED_NETWORKS (by REMOTE_ADDR) or to
`Authorization: Bearer <METRICS_TOKEN>`; anyone else gets 404, as if it did not exist.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import time
from contextlib import contextmanager

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # before the first metric: each one opens its file there
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import Http404, HttpResponse  # noqa: E402
from django.views.decorators.cache import never_cache  # noqa: E402
from django.views.decorators.http import require_safe  # noqa: E402
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.registry import REGISTRY  # noqa: E402

logger = logging.getLogger("jonquils.metrics")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
HTTP_REQUESTS = Counter("jonquils_http_requests", "HTTP requests answered", ["route", "method", "status"])
HTTP_LATENCY = Histogram("jonquils_http_request_duration_seconds", "Time to build the response",
                         ["route", "method"], buckets=LATENCY_BUCKETS)
DB_QUERIES = Counter("jonquils_db_queries", "SQL statements run while answering requests", ["route"])
CELERY_TASKS = Counter("jonquils_celery_tasks", "Celery tasks finished, by state", ["task", "state"])
CELERY_DURATION = Histogram("jonquils_celery_task_duration_seconds", "Celery task run time", ["task"],
                            buckets=(0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600))
ACTIVE_STREAMS = Gauge("jonquils_active_streams", "Audio responses being sent now", multiprocess_mode="livesum")
ACTIVE_TRANSCODES = Gauge("jonquils_active_transcodes", "Transcodes running now", multiprocess_mode="livesum")


def _route(request) -> str:
    from analytics.middleware import route_template

    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "<unmatched>"
    return route_template(match.route)


class MetricsMiddleware:
    """Count every request by route and status, its latency and its SQL statements."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        route = _route(request)
        HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if queries[0]:
            DB_QUERIES.labels(route).inc(queries[0])
        return response


@contextmanager
def counting(gauge: Gauge):
    """Hold the gauge one higher while the block runs."""
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def counted_stream(chunks):
    """Wrap a streaming body so ACTIVE_STREAMS counts it from the first chunk until it ends or is closed."""
    ACTIVE_STREAMS.inc()
    try:
        yield from chunks
    finally:
        ACTIVE_STREAMS.dec()


# --- Celery (connected by jonquils/celery.py in every process that loads the app) -------------
_task_started: dict[str, float] = {}


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun, task_retry

    def prerun(task_id=None, **kwargs):
        _task_started[task_id] = time.perf_counter()

    def postrun(task_id=None, task=None, state=None, **kwargs):
        name = getattr(task, "name", "unknown")
        started = _task_started.pop(task_id, None)
        if started is not None:
            CELERY_DURATION.labels(name).observe(time.perf_counter() - started)
        CELERY_TASKS.labels(name, state or "UNKNOWN").inc()

    def retry(request=None, **kwargs):
        CELERY_TASKS.labels(getattr(request, "task", "unknown"), "RETRY").inc()

    task_prerun.connect(prerun, weak=False, dispatch_uid="jonquils.metrics.prerun")
    task_postrun.connect(postrun, weak=False, dispatch_uid="jonquils.metrics.postrun")
    task_retry.connect(retry, weak=False, dispatch_uid="jonquils.metrics.retry")


# --- read at scrape time ------------------------------------------------------------------------
class StateCollector:
    """Numbers that live in the stores, read when scraped (each source bounded, skipped when down)."""

    def collect(self):
        yield from _safe(self._cache)
        yield from _safe(self._etl)
        yield from _safe(self._analytics)

    def _cache(self):
        from django_redis import get_redis_connection

        info = get_redis_connection("default").info("stats")
        hits = GaugeMetricFamily("jonquils_cache_hits", "Cache (Redis) keyspace hits since the server started")
        hits.add_metric([], info.get("keyspace_hits", 0))
        misses = GaugeMetricFamily("jonquils_cache_misses", "Cache (Redis) keyspace misses since the server started")
        misses.add_metric([], info.get("keyspace_misses", 0))
        return [hits, misses]

    def _etl(self):
        from django.db.models import Count

        from etl.models import RegistryStatus, S3FileRegistry

        family = GaugeMetricFamily("jonquils_etl_files", "Files in etl.s3_file_registry by status", labels=["status"])
        counts = dict.fromkeys(RegistryStatus.values, 0)
        counts.update({row["status"]: row["n"] for row in
                       S3FileRegistry.objects.values("status").annotate(n=Count("id")).order_by()})
        for status, n in sorted(counts.items()):
            family.add_metric([status], n)
        return [family]

    def _analytics(self):
        from analytics import buffer

        state = buffer.stats()
        depth = GaugeMetricFamily("jonquils_analytics_buffer_events", "Events waiting for ClickHouse")
        depth.add_metric([], state["backlog"])
        lag = GaugeMetricFamily("jonquils_analytics_drain_lag_seconds", "Age of the oldest buffered event")
        lag.add_metric([], state["oldest_age_s"] or 0)
        dead = GaugeMetricFamily("jonquils_analytics_dead_letter_events", "Events ClickHouse refused")
        dead.add_metric([], state["dead_letters"])
        return [depth, lag, dead]


def _safe(read):
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 - a store down must not break the scrape
        logger.warning("metrics: %s unavailable: %s", read.__name__.strip("_"), type(exc).__name__)
        return []


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    registry.register(StateCollector())
    return registry


class _ProcessRegistry:
    def collect(self):
        return REGISTRY.collect()


def metrics_allowed(request) -> bool:
    from .health import token_matches

    if token_matches(request, settings.METRICS_TOKEN):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_safe
def metrics_view(request):
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
