"""gunicorn settings shared by `make run` and the compose file: Prometheus multiprocess bookkeeping.

PROMETHEUS_MULTIPROC_DIR must be set, and emptied by whoever starts the processes sharing it (`make
run` empties var/run/prometheus; the compose file gives the web container a fresh tmpfs); each worker
writes its metrics there, and a worker that exits has its live gauges (active streams) dropped.

The app is loaded once in the master (`preload_app`) and the workers are forked from it, so the
modules of Django, DRF and the project are shared pages: each worker's PSS holds only what it
changed since. Nothing opens a connection at import (Django connects on first query, Redis and
the analytics owner on first use), so no socket is shared across the fork.
"""
import gc
import os

preload_app = True


def when_ready(server):
    """Import every view through the URLconf and freeze the heap before the workers fork.

    The first request of each worker then neither imports the views nor copies the pages the
    garbage collector would touch (gc.freeze keeps the preloaded objects out of its scans).
    """
    if server.cfg.preload_app:
        from django.apps import apps

        if apps.ready:  # the Django app (not some other WSGI app served with this config)
            from django.urls import get_resolver

            get_resolver().url_patterns  # noqa: B018 - resolving the URLconf imports every view module
        gc.freeze()


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
