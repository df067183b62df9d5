"""The Celery application; the beat schedule lives here and nowhere else."""
import os
import threading

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")

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


@worker_process_init.connect(dispatch_uid="jonquils.warm_audio_analysis")
def _warm_audio_analysis(**kwargs) -> None:
    """Compile librosa's kernels in each worker process at start, in the background.

    Celery kills a child whose init takes over 4 s, and the first analysis costs ~30 s
    of numba compilation: a thread does it while the process already takes tasks.
    """
    def warm() -> None:
        from etl.audio.features import warm_up

        warm_up()

    threading.Thread(target=warm, name="audio-warm-up", daemon=True).start()
