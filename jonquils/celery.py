"""The Celery application; the beat schedule lives here and nowhere else."""
import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
# The audio features no longer use librosa (etl/audio/spectral.py), but a process that imports it
# (tests/etl/test_audio_excerpts.py's reference) still compiles numba kernels, cached on disk, by
# default beside librosa in site-packages, where every
# checkout sharing the venv writes too; numba's gufunc cache is not safe against two writers (numba
# issue 10128: mismatched .nbc files, then SIGSEGV in every process that loads them). Each var dir
# gets its own, written by the worker's main process (below). Set here: every Django process imports
# this module (jonquils/__init__.py) before anything imports numba.
if "NUMBA_CACHE_DIR" not in os.environ:
    from jonquils.embedded.paths import embedded_paths

    os.environ["NUMBA_CACHE_DIR"] = str(embedded_paths().var_dir / "cache" / "numba")

# One BLAS thread per process: the worker's pool already runs one child per core, and numpy's
# OpenBLAS spinning up a thread per core for the feature extractor's small matrix products made
# analyse() 4× slower on a busy 2-core machine (69 ms against 18 ms for 5 s of audio). Read by
# OpenBLAS when numpy loads, hence here, before anything imports numpy; set it to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("jonquils")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule of the project (Airflow takes over the ETL entries when ETL_SCHEDULER=airflow).
from django.conf import settings as _settings  # noqa: E402

app.conf.beat_schedule = {
    "accounts-flush-expired-tokens": {"task": "accounts.flush_expired_tokens", "schedule": crontab(hour=4, minute=17)},
    # Uploads whose task was lost to a broker outage or a dead worker (issue 11); kept with beat even
    # when Airflow runs the ETL, since the hourly DAG alone would leave them waiting up to an hour.
    "etl-sweep-stale-uploads": {"task": "etl.sweep_stale_uploads", "schedule": crontab(minute="*/5")},
}

# Time limits: settings give every task a default (CELERY_TASK_*_TIME_LIMIT); the heavy ones,
# a whole pipeline run, an upload's audio analysis and a full reindex, may take longer.
app.conf.task_annotations = {
    name: {"soft_time_limit": _settings.CELERY_ETL_SOFT_TIME_LIMIT, "time_limit": _settings.CELERY_ETL_TIME_LIMIT}
    for name in ("etl.music_etl_pipeline", "etl.process_upload", "search.rebuild_index")
}

# >>> ETL (issue 6): the hourly pipeline and the 15-minute monitoring, unless Airflow runs them >>>

if _settings.ETL_SCHEDULER == "celery":
    app.conf.beat_schedule.update({
        "etl-music-etl-pipeline": {"task": "etl.music_etl_pipeline", "schedule": crontab(minute=5)},
        "etl-system-monitoring": {"task": "etl.system_monitoring", "schedule": crontab(minute="*/15")},
    })
# <<< ETL <<<


from jonquils.metrics import connect_celery_signals  # noqa: E402

connect_celery_signals()  # tasks by name and state, with durations (/metrics)


@app.task(name="jonquils.ping")
def ping() -> str:
    """Answer so that health checks and tests can see a worker consuming the queue."""
    return "pong"


@worker_init.connect(dispatch_uid="jonquils.warm_audio_analysis")
def _warm_audio_analysis(**kwargs) -> None:
    """Import the audio stack and run one short analysis in the worker's main process, before the pool forks.

    The pool children (and beat embedded with -B) are forked after this, so they inherit the
    imported modules (numpy, PyAV, the pipeline) and the built filter banks as shared pages, and
    no task pays a first-call cost. The features are plain numpy now (no numba to compile), so this
    takes ≈0.1 s; a failure is logged and leaves the work to the first task.
    """
    import gc
    import logging

    try:
        from etl.audio.features import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - warming is an optimisation; the task compiles on its own
        logging.getLogger("jonquils.celery").exception("audio analysis warm-up failed")
    gc.freeze()  # the collector's scans would otherwise write to, and so copy, every inherited page
