"""gunicorn settings shared by `make run` and the compose file: Prometheus multiprocess bookkeeping.

PROMETHEUS_MULTIPROC_DIR must be set, and emptied by whoever starts the processes sharing it (`make
run` empties var/run/prometheus; the compose file gives the web container a fresh tmpfs); each worker
writes its metrics there, and a worker that exits has its live gauges (active streams) dropped.
"""
import os


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
